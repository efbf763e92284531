# Nazorg: check-ins, meldingen voor het zorgteam, uitkomsten door de tijd, en de eigen export.
# Mails bevatten nooit klinische inhoud.

mail-checkin-subject = Er staat een check-in voor je klaar
mail-checkin-body =
    Hallo { $name },

    Er staat een korte check-in voor je klaar. Het kost een paar minuten. Vul hem in wanneer het jou vandaag uitkomt.

    { $link }

    Niemand leest check-ins op het moment dat ze binnenkomen. Heb je nu hulp nodig, gebruik dan de crisiscontacten op de check-inpagina of bel het alarmnummer.
mail-alert-subject = Een check-in vraagt aandacht (duo { $code })
mail-alert-body =
    Hallo { $name },

    Een check-in van duo { $code } vraagt de aandacht van een clinicus. Open de meldingen en bevestig dat je hem gezien hebt.

    { $link }
mail-escalation-subject = Nog niet bevestigd: een melding voor duo { $code }
mail-escalation-body =
    Hallo { $name },

    Een melding voor duo { $code } is niet binnen de afgesproken tijd bevestigd. Zorg dat iemand van het zorgteam er nu naar kijkt.

    { $link }

## Check-ins (pagina's voor deelnemers)

checkins-title = Check-ins
checkins-link = Check-ins
checkins-back = Terug naar je check-ins
checkins-intro = Na elke sessie krijg je korte check-ins: de eerste week elke dag, daarna na twee weken, en na één, drie en zes maanden. Elke check-in kost een paar minuten. Je antwoorden gaan naar je zorgteam, nooit naar de ander.
checkins-not-watched = Check-ins worden niet live gevolgd. Je zorgteam leest ze, maar niet meteen en niet 's nachts.
checkins-ready-title = Nu klaar
checkins-ready-none = Er staat nu geen check-in voor je klaar.
checkins-open-until = open tot { $date }
checkins-next-title = Hierna
checkins-past-title = Eerdere check-ins
checkins-past-none = Nog geen.
checkin-point-day = Dag { $n }
checkin-point-week_2 = Na twee weken
checkin-point-month_1 = Na één maand
checkin-point-month_3 = Na drie maanden
checkin-point-month_6 = Na zes maanden
checkin-status-upcoming = nog niet open
checkin-status-due = klaar
checkin-status-answered = ingevuld
checkin-status-missed = gesloten zonder antwoord
checkin-title = Check-in
checkin-wellbeing-title = Hoe gaat het met je?
checkin-q-mood = Hoe is je stemming vandaag?
checkin-q-mood-hint = 0 is heel somber, 10 is heel goed.
checkin-q-sleep = Hoe heb je vannacht geslapen?
checkin-q-sleep-hint = 0 is heel slecht, 10 is heel goed.
checkin-q-self_harm = Heb je sinds je vorige check-in gedachten gehad om jezelf iets aan te doen?
checkin-q-self_harm-hint = Er is geen fout antwoord. Je zorgteam vraagt het om je te kunnen steunen.
checkin-q-self_harm-no = Nee
checkin-q-self_harm-thoughts = Ja, ik heb zulke gedachten gehad
checkin-q-self_harm-plan = Ja, en ik heb erover nagedacht hoe ik het zou doen
checkin-q-contact = Wil je dat iemand van je zorgteam contact met je opneemt?
checkin-q-contact-hint = Ze nemen contact op via telefoon of bericht, meestal binnen een werkdag.
checkin-q-contact-no = Nee, nu niet
checkin-q-contact-yes = Ja, neem alsjeblieft contact met me op
checkin-submit = Verstuur mijn antwoorden
checkin-error-answer = Kies een antwoord.
checkin-thanks = Dank je. Je antwoorden zijn bewaard.
checkin-answered-on = Je hebt deze check-in ingevuld op { $date }.
checkin-scores-title = Je scores
checkin-not-open-yet = Deze check-in is nog niet open. Je krijgt een e-mail zodra hij klaarstaat.
checkin-closed = Deze check-in is gesloten. De volgende staat op zijn tijd voor je klaar.
checkin-risk-title = Dank je dat je dit vertelt
checkin-risk-body = Je antwoorden zijn bewaard en je zorgteam is op de hoogte gebracht. Iemand neemt contact met je op, maar misschien niet meteen: check-ins worden niet live gevolgd.
checkin-risk-now = Ben je nu niet veilig, of denk je dat je iets zou kunnen doen met gedachten om jezelf pijn te doen? Neem dan contact op met:
checkin-risk-after = Je hoeft niet op het zorgteam te wachten. Nu hulp zoeken is een goede stap.

## Uitkomsten door de tijd

outcomes-link = Je antwoorden door de tijd
outcomes-title-own = Je antwoorden door de tijd
outcomes-title-duo = Uitkomsten door de tijd, duo { $code }
outcomes-intro-own = Elke grafiek toont je totaal op een vragenlijst bij elke check-in, met je antwoord bij de intake als stippellijn. Een lager totaal betekent minder klachten. De tabel onder elke grafiek bevat dezelfde getallen.
outcomes-intro-team = Totalen bij elke check-in tegenover de intake van elke persoon (stippellijn), naast elkaar. Een lager totaal betekent minder klachten.
outcomes-none = Nog geen antwoorden.
outcomes-intake = Intake
outcomes-chart-title = { $instrument }: { $name }
outcomes-chart-desc = Totaal bij intake { $intake }, laatste { $latest }, van { $max }; { $count } check-ins ingevuld.
outcomes-col-date = Datum
outcomes-col-point = Moment
outcomes-col-total = Totaal

## Meldingen (zorgteam)

alerts-title = Meldingen
alerts-link = Meldingen
alerts-title-duo = Meldingen voor duo { $code }
alerts-intro = Een melding opent wanneer een antwoord in een check-in op risico wijst. Bevestig een melding wanneer je hem oppakt, noteer wat er gedaan is, en sluit hem af wanneer hij is afgehandeld. Alles hier wordt vastgelegd in het auditspoor.
alerts-show-all = Toon ook afgehandelde meldingen
alerts-show-open = Toon alleen meldingen die nog niet zijn afgehandeld
alerts-none = Geen meldingen.
alert-status = Status
alert-status-open = Open — nog door niemand bevestigd
alert-status-acknowledged = Bevestigd
alert-status-resolved = Afgehandeld
alert-escalated = geëscaleerd per mail
alert-opened = Geopend
alert-acknowledged = Bevestigd door
alert-resolved = Afgehandeld door
alert-signals = Waar de antwoorden op wezen
alert-source = Bron
alert-signal-phq9_item9 = PHQ-9 vraag 9 (gedachten aan de dood of zelfbeschadiging) boven "Helemaal niet"
alert-signal-self_harm_thoughts = Gedachten aan zelfbeschadiging sinds de vorige check-in
alert-signal-self_harm_plan = Een plan voor zelfbeschadiging
alert-signal-asked_for_contact = Vroeg om contact
alert-notes = Notities
alert-acknowledge = Bevestigen
alert-note-label = Notitie toevoegen
alert-note-submit = Notitie bewaren
alert-resolve-label = Afsluitende notitie (niet verplicht)
alert-resolve = Afhandelen
alert-saved-acknowledge = De melding is bevestigd.
alert-saved-note = Je notitie is bewaard.
alert-saved-resolve = De melding is afgehandeld.
alert-error-note = Schrijf de notitie voordat je bewaart.
aftercare-duo-label = Nazorg
outcomes-team-link = Uitkomsten door de tijd

## De eigen export

export-title = Alles wat we over je bewaren
export-link = Alles wat we over je bewaren
export-intro = Dit is alles wat dyad over je bewaart: je account, de documenten die je hebt geaccepteerd, je toestemmingen, je intake, je dagboek, je check-ins, je berichten met het zorgteam, je afspraken, en wie je gegevens heeft ingezien. Wat de ander alleen met het zorgteam deelde, is van de ander en staat hier niet in.
export-download = Download als bestand (JSON)
export-profile = Je account
export-name = Naam
export-email = E-mail
export-codes = Je codes
export-phase = Waar je bent in het traject
export-motivation = Waarom je wilde meedoen
export-documents = Documenten die je hebt geaccepteerd
export-consents = Je toestemmingen
export-item = Onderdeel
export-state = Stand
export-intake = Je intake
export-intake-current = Je huidige antwoorden ({ $status })
export-intake-version = Ingestuurd: versie { $version }, { $date }
export-answers = Antwoorden
export-meetings = Afspraken
export-who = Wie
export-what = Wat
