# dyad — Nederlands, foutmeldingen bij velden die de diensten geven. Dezelfde ids als
# en/errors.ftl. De API geeft ze in het Engels; pagina's tonen ze in de taal van de lezer.

## Antwoorden in de intake
intake-check-not-an-object = De antwoorden konden niet worden gelezen. Probeer het opnieuw.
intake-check-unknown-question = Dit is geen vraag van deze vragenlijst.
intake-check-not-a-choice = "{ $code }" is geen van de keuzes ({ $choices }).
intake-check-choose-one = Kies een van de antwoorden.
intake-check-choice-list = Kies een of meer antwoorden, of "Geen van deze".
intake-check-choice-twice = "{ $code }" is meer dan één keer gekozen.
intake-check-not-a-choice-here = "{ $code }" is hier geen van de keuzes.
intake-check-choice-code = Kies een van de antwoorden.
intake-check-whole-number-range = Vul een heel getal in van { $min } tot en met { $max }.
intake-check-number-range = Vul een getal in van { $min } tot en met { $max }.
intake-check-date = Vul een datum in vanaf 1900, als jaar, maand en dag (bijvoorbeeld 1990-04-12).
intake-check-boolean = Kies ja of nee.
intake-check-text-too-long = Houd het bij { $max } tekens; nu zijn het er { $length }.
intake-check-text = Schrijf dit als tekst.
intake-check-instrument-not-loaded = Deze vragenlijst is op dit moment niet beschikbaar.
intake-check-instrument-list = Geef bij elke vraag één antwoord ({ $count } in totaal).
intake-check-instrument-count = Geef bij elke vraag één antwoord: { $count } in totaal, niet { $got }.
intake-check-item-value = Vraag { $number }: kies een van de gegeven antwoorden.
intake-check-group-object = Deze antwoorden horen bij elkaar; beantwoord ze op hun eigen pagina.
intake-check-entry-list = Geef een lijst, of kies "geen".
intake-check-too-many-entries = Noem er hoogstens { $max }; nu zijn het er { $count }.
intake-check-entry-object = Elke regel heeft een naam nodig.
intake-check-entry-name = Vul een naam in.
intake-check-too-long = Houd het bij { $max } tekens.
intake-check-unknown-detail = Een regel heeft alleen deze onderdelen: { $details }.
intake-check-missing-item = Beantwoord deze vraag uit de vragenlijst.
intake-check-missing-question = Beantwoord deze vraag.

## Aanmelden, meedoen en je account
check-name-length = Vul een naam in van 1 tot { $max } tekens.
check-password-too-short = Kies een ander wachtwoord: gebruik minstens { $min } tekens.
check-password-too-long = Kies een ander wachtwoord: gebruik hoogstens { $max } tekens.
check-password-not-current = Dit is niet je huidige wachtwoord.
check-password-unchanged = Kies een ander wachtwoord dan je huidige.
check-totp-code = Deze code klopt niet. Kijk of de tijd op je telefoon goed staat en probeer de nieuwste code.
check-motivation-empty = Vertel ons in een paar woorden waarom je graag mee wilt doen.
check-motivation-long = Houd het onder de { $max } tekens.
check-age = Meedoen kan pas vanaf 18 jaar.
check-accept-documents = Lees en accepteer de deelnamevoorwaarden en de privacyverklaring.
check-email = Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.
check-relationship = Kies hoe jullie elkaar kennen.
check-partner-email = Vul het e-mailadres van je partner in, zoals naam@voorbeeld.nl.
check-partner-email-is-yours = Dit is je eigen adres; vul dat van de ander in.
check-email-taken = Er bestaat al een account met dit e-mailadres. Log in plaats daarvan in.
check-invitation-email-taken = Er bestaat al een account met het e-mailadres van deze uitnodiging. Log in plaats daarvan in.

## Dagboek en berichten
check-journal-length = Schrijf 1 tot { $max } tekens.
check-journal-tag = Kies of dit van jou, van de ander of van jullie samen is.
check-message-length = Schrijf een bericht van 1 tot { $max } tekens.
