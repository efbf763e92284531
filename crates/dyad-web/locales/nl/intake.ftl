# dyad — Nederlands, de intakepagina's. Dezelfde ids als en/intake.ftl.

## Beantwoorden, één onderdeel tegelijk
intake-quick-exit = Verlaat deze pagina snel
intake-private-title = Alleen voor jou en je zorgteam
intake-private-exit = Komt er iemand in de buurt? De knop "Verlaat deze pagina snel" bovenaan brengt je meteen naar een neutrale pagina. Je antwoorden tot nu toe zijn bewaard.
intake-step = Onderdeel { $n } van { $total }
intake-sections-answered = { $answered } van { $total } onderdelen beantwoord
intake-start-saving = Elk antwoord wordt bewaard zodra je het geeft. Je kunt altijd stoppen en later verdergaan, op dit apparaat of een ander.
intake-begin = Begin met het eerste onderdeel
intake-continue = Ga verder waar je was gebleven
intake-sections-title = De onderdelen
intake-section-done = beantwoord
intake-section-todo = nog te beantwoorden
intake-section-private = privé
intake-all-sections = Alle onderdelen
intake-review-link = Bekijk al je antwoorden
intake-back = Terug
intake-save = Bewaren
intake-next = Bewaren en verder
intake-to-review = Bewaren en je antwoorden nakijken
intake-saved = Je antwoorden zijn bewaard.
intake-autosaved = Bewaard.
intake-autosave-partly = Bewaard, behalve de antwoorden hieronder. Kijk die nog eens na.
intake-more-questions = Bij dit antwoord hoort nog een vraag: laat die zien
intake-locked = Je intake is verstuurd en staat vast. Vraag je zorgteam als er iets moet veranderen.
intake-conflict-device = Je intake is intussen op een ander apparaat gewijzigd. Kijk de antwoorden hieronder na en bewaar ze opnieuw.
intake-conflict-closed = De intake kan op dit moment in je traject niet worden gewijzigd. Vraag het je zorgteam.
intake-yes = Ja
intake-no = Nee
intake-or = of
intake-optional = niet verplicht
intake-none-of-these = Geen van deze
intake-error-number = Vul een getal in, bijvoorbeeld 64 of 64,5.
intake-error-none-and-some = Je koos "geen" en gaf ook een antwoord. Kies het een of het ander.
intake-list-name = Naam
intake-list-dose = Dosis (als je die weet)
intake-list-frequency = Hoe vaak
intake-list-remove = Verwijderen
intake-list-remove-hint = Wil je iets weghalen? Maak de naam leeg of kies "Verwijderen".
intake-list-none = Geen
intake-meds-add = Nog een medicijn toevoegen
intake-meds-none = Ik gebruik geen medicijnen
intake-meds-row = Medicijn { $n }
intake-subs-add = Nog een middel toevoegen
intake-subs-none = Ik heb niets gebruikt
intake-subs-row = Middel { $n }
intake-did-you-mean = Bedoel je: { $names }? Zo niet, laat dan staan wat je typte; je zorgteam kijkt het na.

## Nakijken en versturen
intake-review-title = Kijk je antwoorden na
intake-review-intro = Hier staat alles wat je hebt beantwoord. Tot je verstuurt, kun je nog alles veranderen.
intake-review-refused = Je intake kan nog niet worden verstuurd
intake-missing-title = Nog te beantwoorden
intake-missing-intro = Deze vragen hebben een antwoord nodig voordat je kunt versturen:
intake-not-answered = Nog niet beantwoord
intake-change = Wijzigen
intake-item-label = { $instrument }, vraag { $n }
# Boven een gevalideerde vragenlijst in de eigen (niet vertaalde) versie.
intake-instrument-original-language =
    Deze vragenlijst staat hier in de gevalideerde { $language ->
        [en] Engelse
       *[other] oorspronkelijke
    } versie. Er is nog geen getoetste Nederlandse vertaling, en een eigen vertaling zou de vragen en de uitkomst kunnen veranderen. Is een vraag niet duidelijk? Kies wat het best past; je kunt je zorgteam altijd om uitleg vragen.
intake-items-answered = { $answered } van { $total } vragen beantwoord
intake-scale-answer = { $value } op een schaal van { $min } ({ $min_label }) tot { $max } ({ $max_label })
intake-submit-title = Stuur je intake naar je zorgteam
intake-submit-body = Nadat je hem hebt verstuurd, staan je antwoorden vast. Moet er later iets veranderen, vraag het dan aan je zorgteam.
intake-submit = Mijn intake versturen
intake-done-title = Dank je wel, je intake is bij je zorgteam
intake-done-body = Je antwoorden zijn bij je zorgteam aangekomen. Je partner krijgt ze nooit te zien.
intake-done-locked = Je antwoorden staan nu vast. Is er iets veranderd of wil je een antwoord verbeteren? Stuur dan een bericht aan je zorgteam; zij kunnen je intake weer openzetten.
intake-done-next = Je zorgteam leest je intake zorgvuldig en neemt contact met je op over de volgende stap. Je hoeft nu niets te doen.
intake-done-home = Terug naar je overzicht
intake-done-message = Stuur je zorgteam een bericht

## Wat het zorgteam ziet
intake-staff-title = Intake van { $name }
intake-staff-duo-title = Intakes van duo { $code }
intake-staff-audited = Elke keer dat een intake wordt geopend, wordt vastgelegd in het auditlogboek.
intake-staff-not-joined = De tweede persoon doet nog niet mee.
intake-staff-status-submitted = Verstuurd
intake-staff-status-draft = Niet verstuurd (of weer opengezet voor een wijziging)
intake-staff-version-label = versie
intake-staff-form-label = formulier
intake-staff-none = Er is nog niets verstuurd.
intake-staff-scores = Scores
intake-staff-no-scores = Geen volledige vragenlijst om te scoren.
intake-staff-instrument = Vragenlijst
intake-staff-total = Totaal
intake-staff-band = Ernst
intake-staff-flags = Signalen
intake-staff-screen-positive = { $label } (gebruikt afkappunt: { $cutoff })
intake-staff-screen-negative = Screening negatief
intake-staff-medications = Medicijnen
intake-staff-dose = Dosis
intake-staff-substances = Recreatieve middelen
intake-staff-versions = Versies
intake-staff-version = Versie { $version }, verstuurd { $at }
intake-staff-version-amended = Versie { $version }, gewijzigd { $at }
intake-staff-answers = Alle antwoorden
intake-staff-one = Alleen deze intake
intake-staff-both = Beide intakes naast elkaar
intake-staff-duo-link = Terug naar het duo

## De neutrale pagina achter "snel weg"
leave-title = Het weer
leave-today = Vandaag: overwegend bewolkt met zonnige perioden, 17 °C, een zwakke westenwind.
leave-morning = Ochtend: bewolkt, 13 °C
leave-afternoon = Middag: zonnige perioden, 17 °C
leave-evening = Avond: kans op een lichte bui, 14 °C
leave-tomorrow = Morgen: droog en zonniger, tot 19 °C.
