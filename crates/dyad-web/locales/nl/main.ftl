# dyad — Nederlands. Elke tekst die iemand leest staat hier; en/ en nl/ moeten dezelfde ids bevatten.

## Opmaak
skip-to-content = Ga direct naar de inhoud
nav-label = Hoofdmenu
nav-home = Start
nav-staff = Medewerkers
nav-audit = Audittrail
nav-account = Je account
nav-sign-in = Inloggen
nav-sign-out = Uitloggen
language = Taal
footer-not-advice = Deze dienst ondersteunt je zorgteam. Ze geeft geen medisch advies en neemt nooit zelf beslissingen.
form-errors-title = Kijk nog eens naar deze antwoorden

## Openbare startpagina
home-title = Begeleide sessies voor twee mensen die elkaar goed kennen
home-intro = Twee mensen — partners, vrienden of familie — doen samen mee, ieder op een eigen manier. Hier vind je het hele traject: aanmelden, kennismaken, een zorgvuldige controle of het veilig is, samen voorbereiden, de sessiedag en de weken daarna.
home-what-title = Wat een duosessie is
home-what-body = Op de sessiedag nemen jullie allebei MDMA in dezelfde ruimte, terwijl een zorgteam van minstens twee mensen de hele dag aanwezig is. Sommige momenten delen jullie; andere zijn van jou alleen. Een sessie kan gesprekken openen die eerder moeilijk voelden, maar het is geen genezing, en er kunnen ook moeilijke gevoelens bovenkomen. Je team is eerlijk tegen je over wat een sessie wel en niet kan.
home-wall-title = Wat je deelt, blijft van jou
home-wall-body = Jullie beantwoorden ieder je eigen vragen, alleen. Je partner ziet nooit wat jij het zorgteam vertelt, en jij ziet nooit wat de ander vertelt. Jij bepaalt stuk voor stuk wat je met elkaar wilt delen.
home-lawful-title = Waar dit gebeurt
home-lawful-body = Deze sessies vinden alleen plaats binnen wetenschappelijk onderzoek of een praktijk voor schadebeperking (harm reduction), waar de wet dat toestaat. Meedoen is altijd vrijwillig, en je kunt op elk moment stoppen zonder uit te leggen waarom.
crisis-intro = Zit je nu in een crisis? Neem dan contact op met:
crisis-contacts-title = Direct hulp

## Inloggen
login-title = Inloggen
login-submit = Inloggen
login-invalid = Het e-mailadres, wachtwoord of de code klopt niet. Probeer het opnieuw.
login-code-needed = Vul ook de code uit je authenticator-app in.
login-throttled = Te veel pogingen. Wacht { $seconds } seconden en probeer het dan opnieuw.
field-email = E-mailadres
field-password = Wachtwoord
field-name = Naam
field-roles = Rollen
field-totp = Authenticatorcode
field-totp-hint = Alleen voor medewerkers: de 6-cijferige code uit je authenticator-app, of een van je herstelcodes.
field-current-password = Huidig wachtwoord
field-new-password = Nieuw wachtwoord
field-new-password-hint = Minstens 12 tekens. Een paar losse woorden zonder verband vormen een sterk wachtwoord dat je goed onthoudt.

## Start na inloggen
dashboard-welcome = Welkom, { $name }
dashboard-admin-title = Beheer
dashboard-records-title = Je gegevens
dashboard-roles-title = Je rollen
role-participant = Deelnemer
role-facilitator = Begeleider
role-clinician = Behandelaar
role-coordinator = Coördinator
role-researcher = Onderzoeker
role-admin = Beheerder

## Account
account-title = Je account
account-must-change = Kies eerst je eigen wachtwoord voordat je verdergaat. Het wachtwoord dat je hebt gekregen, werkt maar één keer.
account-password-title = Wachtwoord wijzigen
account-password-submit = Nieuw wachtwoord opslaan
account-password-changed = Je wachtwoord is gewijzigd. Op andere apparaten ben je uitgelogd.
account-totp-title = Authenticator-app
account-totp-on = Er is een authenticator-app ingesteld voor je account.
account-totp-set-up = Authenticator-app instellen
account-everywhere-title = Overal uitloggen
account-everywhere-body = Beëindigt elke sessie van je account, op dit apparaat en op alle andere.
account-everywhere-submit = Overal uitloggen

## Authenticator instellen
totp-title = Stel je authenticator-app in
totp-intro = Accounts van medewerkers zijn beveiligd met een tweede stap: een code uit een app op je telefoon, zoals FreeOTP, Aegis of Google Authenticator.
totp-step-scan = Scan deze code met je authenticator-app.
totp-step-manual = Of voer deze sleutel met de hand in:
totp-step-code = Typ de 6-cijferige code die de app nu laat zien.
totp-qr-alt = QR-code voor je authenticator-app. Dezelfde sleutel staat hieronder uitgeschreven om met de hand in te voeren.
totp-submit = Bevestigen
recovery-title = Je herstelcodes
recovery-intro = Bewaar deze codes op een veilige plek, bijvoorbeeld in een wachtwoordmanager. Als je je telefoon kwijtraakt, werkt elke code één keer in plaats van een authenticatorcode. Ze worden alleen nu getoond.
recovery-continue = Ik heb mijn codes bewaard

## Instellinglink voor medewerkers
setup-title = Stel je account in
setup-intro = Kies een wachtwoord voor je medewerkersaccount. Daarna log je in en stel je je authenticator-app in.
setup-submit = Wachtwoord opslaan
link-unknown = Deze link werkt niet. Controleer of je de hele link hebt gekopieerd, of vraag een nieuwe aan.
link-expired = Deze link is verlopen. Vraag een nieuwe aan.
link-used = Deze link is al gebruikt. Was jij dat niet? Laat het je beheerder weten.

## Beheer van medewerkers
staff-title = Medewerkersaccounts
staff-new-title = Medewerker toevoegen
staff-create-submit = Account aanmaken en instellinglink sturen
staff-created = Er is een account aangemaakt voor { $name }. Er wordt een instellinglink per e-mail verstuurd.
staff-list-title = Alle medewerkers
staff-state = Status
staff-actions = Acties
staff-active = Actief
staff-inactive = Gedeactiveerd
staff-totp-on = authenticator aan
staff-activate = Opnieuw activeren
staff-deactivate = Deactiveren
staff-save-roles = Rollen opslaan
break-glass-title = Noodtoegang (break glass)
break-glass-none = Er is geen noodtoegang gebruikt.

## Audittrail
audit-title = Audittrail
audit-when = Wanneer (UTC)
audit-actor = Wie
audit-action = Actie
audit-subject = Betreft
audit-outcome = Resultaat
audit-reason = Reden
audit-since = Vanaf datum
audit-until = Tot en met datum
audit-filter = Tonen

## Logboek van toegang voor deelnemers
access-log-title = Wie je gegevens heeft bekeken
access-log-intro = Elke keer dat iemand van het zorgteam je gegevens opent, wordt dat vastgelegd. Dit is die lijst.
access-log-empty = Nog niemand van het zorgteam heeft je gegevens geopend.
access-log-who = Wie
access-log-what = Wat
access-log-emergency = noodtoegang

## Foutmeldingen
error-operation-id = Neem je contact op met support? Noem dan deze referentie:
error-back-home = Terug naar de startpagina
error-not_found-title = Niet gevonden
error-not_found-body = Op dit adres staat niets, of het is niet voor jou beschikbaar.
error-forbidden-title = Niet toegestaan
error-forbidden-body = Je account mag dit niet doen. Denk je dat dat wel zou moeten? Vraag het je beheerder.
error-conflict-title = Dit kan nu niet
error-conflict-body = Er moet eerst iets anders gebeuren. Ga terug en bekijk de pagina opnieuw.
error-rate_limited-title = Even geduld
error-rate_limited-body = Er waren te veel pogingen. Wacht even en probeer het opnieuw.
error-bad_request-title = Er klopte iets niet in het verzoek
error-bad_request-body = Ga terug en probeer het opnieuw. Niets van wat je hebt ingevuld is half opgeslagen.
error-invalid_input-title = Controleer je antwoorden
error-invalid_input-body = Sommige waarden moeten nog eens bekeken worden.
error-internal-title = Er ging bij ons iets mis
error-internal-body = Niets van wat je hebt ingevuld is verloren gegaan. Probeer het over een moment opnieuw.

## E-mail
mail-setup-subject = Je medewerkersaccount bij { $practice }
mail-setup-body =
    Hallo { $name },

    Er is een account voor je aangemaakt bij { $practice }.
    Kies je wachtwoord via deze link (geldig gedurende { $hours } uur, één keer te gebruiken):

    { $link }

    Daarna log je in en stel je een authenticator-app in.
    Had je deze e-mail niet verwacht? Dan kun je hem negeren.

## Eerste start (getoond door de server)
otp-printed = Open { $url } en log in met dit eenmalige wachtwoord.

## Mail: aanmelden en het duo
mail-verify-subject = Bevestig je e-mailadres voor { $practice }
mail-verify-body =
    Hallo { $name },

    Bevestig dat dit jouw e-mailadres is door deze link te openen:

    { $link }

    Heb je je niet aangemeld? Dan kun je deze mail negeren.
mail-invite-subject = { $inviter } nodigt je uit om samen deel te nemen
mail-invite-body =
    Hallo { $name },

    { $inviter } heeft zich bij { $practice } aangemeld voor een begeleide duosessie en wil dat graag samen met jou doen.

    Of je meedoet, is helemaal je eigen keuze. Via de link hieronder lees je wat het inhoudt, en daarna kun je meedoen of nee zeggen. Nee zeggen is goed; { $inviter } hoort alleen dat het niet doorgaat, niet waarom.

    { $link }

    Deze link werkt één keer en { $days } dagen lang.
mail-partner-joined-subject = Je uitnodiging is aangenomen
mail-partner-joined-body =
    Hallo { $name },

    De persoon die je uitnodigde doet mee. Jullie kunnen nu allebei met je eigen intake beginnen.

    { $link }
mail-duo-stopped-subject = Nieuws over jullie duo
mail-duo-stopped-body =
    Hallo { $name },

    Het duo gaat niet door zoals gepland. Je begeleiders kunnen je vertellen wat de volgende stappen zijn.

    { $link }
mail-duo-changed-subject = Duo { $code } is gewijzigd
mail-duo-changed-body =
    Hallo { $name },

    Er is iets veranderd bij duo { $code }. Log in om het te zien.

    { $link }
mail-message-subject = Er wacht een bericht op je
mail-message-body =
    Hallo { $name },

    Er wacht een nieuw bericht op je bij { $practice }. Voor je privacy staat het niet in deze mail; log in om het te lezen.

    { $link }
