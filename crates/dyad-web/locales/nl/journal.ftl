# Het dagboek: stukjes over mij, de ander of ons; privé tenzij gedeeld.

journal-title = Dagboek
journal-link = Dagboek
journal-back-home = Terug naar je startpagina
journal-back = Terug naar je dagboek
journal-back-duo = Terug naar het duo
journal-intro = Een plek om onder woorden te brengen wat je merkt, voor en na de sessie. Alles wat je hier schrijft is privé, tenzij je ervoor kiest het te delen. Je kunt elk stukje later delen of weer afschermen.
journal-not-watched = Niemand leest mee terwijl je schrijft. Stukjes worden niet direct gelezen, ook niet de stukjes die je deelt.
journal-team-note = Deelnemers weten dat stukjes niet direct worden gelezen. Maak je je zorgen om iets wat je leest, neem dan zelf contact op.

## Vragen

journal-prompts-title = Als je niet weet waar je moet beginnen
journal-prompts-intro = Je hoeft deze vragen niet te beantwoorden. Kies er een, of schrijf over iets anders.
journal-prompt-1 = Wat is vandaag nog bij je, ook als het klein is?
journal-prompt-2 = Was er een moment dat je je veilig of juist onveilig voelde? Wat hielp?
journal-prompt-3 = Wat merkte je aan jezelf dat je nog niet eerder zag?
journal-prompt-4 = Wat merkte je aan de ander, en hoe zou dat voor hem of haar zijn?
journal-prompt-5 = Wat delen jullie samen dat je wilt blijven koesteren?
journal-prompt-6 = Is er één klein ding dat je deze week wilt proberen?

## Schrijven

journal-write-title = Schrijf een stukje
journal-text-label = Je stukje
journal-text-hint = Schrijf zoveel of zo weinig als je wilt.
journal-tag-legend = Over wie gaat dit?
journal-tag-mine = Van mij
journal-tag-mine-hint = Wat van mij is: mijn eigen gevoelens, herinneringen en stappen.
journal-tag-theirs = Van de ander
journal-tag-theirs-hint = Wat bij de ander hoort: zijn of haar deel, dat ik niet hoef te dragen.
journal-tag-ours = Van ons
journal-tag-ours-hint = Wat van ons is: wat we samen delen en opbouwen.
journal-sharing-legend = Wie mag dit lezen?
journal-sharing-hint = Laat beide leeg om het voor jezelf te houden.
journal-share-partner = Delen met { $name }
journal-share-team = Delen met mijn zorgteam
journal-your-partner = je partner
journal-write-submit = Stukje bewaren

## Bevestigingen

journal-saved-written = Je stukje is bewaard.
journal-saved-shared = Wie dit stukje mag lezen is aangepast. Dit geldt meteen.
journal-saved-edited = Je wijzigingen zijn bewaard.

## Fouten

journal-error-text = Schrijf iets in je stukje voordat je het bewaart.
journal-error-tag = Kies of dit van jou, van de ander of van jullie samen is.
journal-error-filter = Dat filter bestaat niet, dus je ziet alle stukjes.

## Je stukjes

journal-entries-title = Je stukjes
journal-filter-legend = Laat zien
journal-filter-all = Alle stukjes
journal-filter-submit = Stukjes tonen
journal-empty = Je hebt nog niets geschreven.
journal-empty-filtered = Geen stukjes met dit label.
journal-edited = aangepast
journal-shared-nobody = Privé: alleen jij kunt dit lezen.
journal-shared-partner = Gedeeld met { $name }.
journal-shared-team = Gedeeld met je zorgteam.
journal-shared-both = Gedeeld met { $name } en je zorgteam.
journal-sharing-submit = Bewaar wie dit mag lezen
journal-edit-summary = De tekst aanpassen
journal-edit-label = Tekst van dit stukje
journal-edit-submit = Wijzigingen bewaren
journal-entry-title = Dagboekstukje

## Met mij gedeeld

journal-shared-title = Gedeelde dagboekstukjes
journal-shared-intro-partner = Wat je partner uit het eigen dagboek met je wilde delen.
journal-shared-intro-team = Wat de deelnemers uit hun dagboek met het zorgteam wilden delen.
journal-shared-empty = Er is nog niets gedeeld.
journal-from-partner = Wat { $name } met je deelde
journal-open-own = Je eigen dagboek
