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

## Pagina's voor samen aanmelden: navigatie
nav-messages = Berichten
nav-duos = Duo's
nav-documents = Documenten
footer-nav-label = Over meedoen
home-read-more = Lees dit voordat je beslist
home-sign-up = Samen aanmelden
dashboard-duos-title = Duo's
duos-all = Alle duo's die je mag zien
duos-mine = Alleen duo's in wier zorgteam ik zit

## Publieke informatie
info-nav-label = Informatie
info-contact-title = Vragen?
info-about-title = Wat een duosessie is
info-about-intro = Eerlijke informatie over duosessies bij { $practice }: wat ze zijn, bij wie ze kunnen passen, en wanneer een andere weg verstandiger is.
info-about-what-title = Twee mensen, één begeleide sessie
info-about-what-body =
    Een duosessie is een begeleide sessie voor twee mensen die elkaar goed kennen en zich veilig bij elkaar voelen: partners, goede vrienden, familieleden, of anderen met een lange band. Jullie zijn in dezelfde ruimte, met hetzelfde zorgteam, op dezelfde dag.

    Samen zijn betekent niet dat jullie hetzelfde meemaken. Meestal zijn sommige momenten gedeeld en zijn andere van ieder zelf. De een keert misschien lang naar binnen en zegt weinig, terwijl de ander juist wil praten. Allebei is goed; het team maakt ruimte voor ieder van jullie.
info-about-together-title = Tussen een individuele sessie en een groep in
info-about-together-body =
    In een individuele sessie gaat alle aandacht naar één persoon. In een groep deel je de ruimte met meerdere mensen die je misschien niet kent. Een duo zit daartussenin: het is besloten en rustig, en iemand die je vertrouwt is dichtbij.
info-about-why-title = Waarom mensen dit samen willen doen
info-about-why-body =
    Veel mensen zeggen dat het helpt om iemand die ze vertrouwen in de buurt te hebben als het intens wordt. Het kan ook daarna helpen: jullie maken een vergelijkbare periode door en kunnen elkaar beter begrijpen en steunen terwijl je betekenis geeft aan wat je hebt meegemaakt.

    Bij stellen kunnen thema's uit de relatie naar boven komen, zoals hoe jullie met elkaar praten, nabijheid en afstand, of oude pijn. Vrienden en familie komen soms vanwege een gedeeld verlies of een ingrijpende gebeurtenis, of gewoon om elkaar beter te begrijpen. Je hoeft niets op te willen lossen. Willen reflecteren en verdiepen is ook een goede reden.
info-about-suits-title = Wanneer het bij je kan passen
info-about-suits-body =
    - Jullie willen dit allebei, ieder om eigen redenen, en niet vooral voor de ander.
    - Jullie voelen je veilig bij elkaar, ook als het moeilijk is.
    - Je bent bereid te respecteren dat de ervaring van de ander heel anders kan zijn dan de jouwe.
    - Je bent 18 jaar of ouder en kunt meedoen aan de intake, de voorbereiding en de weken erna.
info-about-not-suits-title = Wanneer het niet past, of nog niet
info-about-not-suits-body =
    - Je voelt je onder druk gezet om mee te doen, of je doet het vooral om de ander te helpen of een plezier te doen.
    - Je bent bang voor de ander, of er is geweld, veel conflict, wantrouwen of een sterke ongelijkheid tussen jullie.
    - Je gebruikt bepaalde medicijnen of hebt bepaalde lichamelijke of psychische aandoeningen. Het zorgteam kijkt dit voor ieder van jullie zorgvuldig na; dat kun je niet alleen beoordelen, en deze website ook niet.
    - Een van jullie heeft veel meer steun nodig dan een gezamenlijke sessie kan bieden.

    Past het nu niet, dan is er misschien een andere weg: bijvoorbeeld eerst individuele sessies, twee begeleiders in plaats van één, of later een duo. En nee zeggen is altijd goed.
info-about-lawful-title = Alleen binnen onderzoek of harm reduction
info-about-lawful-body = Sessies met MDMA vinden alleen plaats binnen wetenschappelijk onderzoek of een praktijk voor harm reduction, en alleen waar dat wettelijk mag. Deze informatie is algemeen. Het is geen persoonlijk medisch advies.

info-pathway-title = Hoe het traject verloopt
info-pathway-intro = Een duosessie is veel meer dan één dag. Dit is het hele traject, stap voor stap, en wat elke stap van je vraagt.
info-pathway-signup-title = 1. Aanmelden en de uitnodiging
info-pathway-signup-body = Een van jullie meldt zich aan en geeft de naam en het e-mailadres van de ander op. Die persoon krijgt een eigen uitnodiging en beslist zelf of hij of zij meedoet, met een eigen account en eigen redenen. Ieder van jullie kan nee zeggen.
info-pathway-intake-title = 2. Intake, ieder apart
info-pathway-intake-body = Ieder van jullie vult eigen vragen in over je lichamelijke en psychische gezondheid, medicijnen en middelengebruik, je bedoelingen en jullie relatie. Dat doe je alleen. Je partner ziet jouw antwoorden nooit, en jij de zijne of hare ook niet.
info-pathway-screening-title = 3. Screening
info-pathway-screening-body = Een behandelaar bekijkt beide intakes zorgvuldig: medicijnen die niet goed samengaan, gezondheidsklachten, en hoe het tussen jullie is. Hij of zij beslist, met redenen, of een duosessie verantwoord is en in welke vorm. Soms is het antwoord: eerst individuele sessies, of nu niet.
info-pathway-preparation-title = 4. Voorbereiding
info-pathway-preparation-body =
    Je ontmoet de mensen die jullie gaan begeleiden, alleen en samen. Jullie praten over je bedoelingen, je grenzen, en hoe je op de dag met elkaar wilt zijn: aanraking en nabijheid, muziek of stilte, even tijd voor jezelf nemen, wat te doen als het zwaar wordt, en hoeveel je achteraf wilt delen.

    Jullie leggen die afspraken samen vast en ieder van jullie tekent ze. Je kunt op elk moment van gedachten veranderen en je toestemming intrekken.
info-pathway-session-title = 5. De sessiedag
info-pathway-session-body = Een rustige, besloten plek, ruim de tijd, en een zorgteam dat de hele dag bij jullie is. Het team kan wisselen tussen jullie samen begeleiden en korte momenten met een van jullie alleen, als dat nodig is. Houd de dag erna vrij: rust is belangrijk.
info-pathway-integration-title = 6. Integratie
info-pathway-integration-body = In de weken erna geef je betekenis aan wat je hebt meegemaakt en neem je het mee in je dagelijks leven, in gesprekken alleen en samen. Het helpt om uit elkaar te halen wat van jou is, wat van de ander, en wat van jullie samen. Je kunt een dagboek bijhouden en per stukje beslissen wat je deelt.
info-pathway-aftercare-title = 7. Nazorg
info-pathway-aftercare-body = Nog een tijd daarna vraagt het team ieder van jullie met korte vragenlijsten hoe het gaat. Als iets jou of hen zorgen baart, nemen ze contact op.
info-pathway-stopping-title = Stoppen kan altijd
info-pathway-stopping-body = Ieder van jullie kan bij elke stap stoppen zonder uit te leggen waarom. De ander hoort dan alleen dat het traject gestopt is, nooit jouw redenen.

info-expect-title = Wat je kunt verwachten
info-expect-intro = Eerlijke verwachtingen helpen. Dit kan een duosessie wel en niet.
info-expect-can-title = Wat het kan brengen
info-expect-can-body = Veel mensen beschrijven de ervaring als verbindend en verdiepend, juist omdat ze iets intens meemaakten met iemand die ze vertrouwen dichtbij. Het kan ruimte geven voor gesprekken die eerder te moeilijk voelden, en om elkaar op een nieuwe manier te begrijpen.
info-expect-cannot-title = Wat het niet kan beloven
info-expect-cannot-body =
    - Het is geen genezing, en het lost problemen in jullie relatie niet vanzelf op.
    - Er kunnen moeilijke gevoelens en herinneringen opkomen, tijdens de sessie en erna.
    - Niemand kan voorspellen hoe een sessie verloopt, ook niet met dezelfde bedoeling.
    - Het werk erna, alleen en samen, telt minstens zo zwaar als de dag zelf.
info-expect-different-title = Jullie kunnen iets heel verschillends meemaken
info-expect-different-body = Sommige duo's voelen zich de hele dag dicht bij elkaar; bij anderen gaan de ervaringen een heel andere kant op, of moeten ze hun verwachtingen achteraf bijstellen. Dat is geen mislukking. Het vraagt om openheid, geduld en respect voor elkaars proces.
info-expect-research-title = Wat onderzoek wel en niet zegt
info-expect-research-body = Onderzoek naar therapie met MDMA ging tot nu toe vooral over individuele behandeling in een klinische setting. Over sessies voor twee mensen is veel minder bekend. Dat betekent niet dat ze ongeschikt zijn, wel dat je heel voorzichtig moet zijn met beweringen over resultaten. Verhalen van anderen kunnen herkenbaar zijn, maar ze voorspellen niet wat er bij jou gebeurt.

info-safety-title = Veiligheid en harm reduction
info-safety-intro = Veiligheid gaat bij elke stap voor: de screening, de omgeving, de begeleiding en de zorg daarna.
info-safety-framework-title = Alleen binnen een zorgvuldig kader
info-safety-framework-body = Sessies vinden alleen plaats binnen wetenschappelijk onderzoek of een praktijk voor harm reduction, waar dat wettelijk mag, met vooraf een intake, screening en voorbereiding. Probeer dit niet op eigen houtje.
info-safety-screening-title = Medicijnen en gezondheid worden nagekeken
info-safety-screening-body = Sommige medicijnen en sommige lichamelijke of psychische aandoeningen maken een sessie riskanter of onveilig. Een behandelaar kijkt dit voor ieder van jullie na voordat er iets gepland wordt. Wees daarom volledig en eerlijk in je intake, ook over medicijnen, supplementen en andere middelen; wat je vertelt blijft bij het zorgteam.
info-safety-setting-title = Een veilige omgeving
info-safety-setting-body = Een rustige, besloten ruimte, genoeg tijd, en getrainde mensen die er de hele tijd bij zijn. Voor de dag spreken jullie af hoe je samen wilt zijn, ook over aanraking, nabijheid en delen, en ieder van jullie kan zijn of haar toestemming op elk moment intrekken.
info-safety-relational-title = Veiligheid tussen jullie tweeën
info-safety-relational-body = Oude patronen kunnen zichtbaar worden, zoals willen pleasen, conflicten vermijden of controle willen houden. Praat vooraf over hoe je met moeilijke momenten omgaat en wat ieder van jullie nodig heeft. Voel je je niet veilig bij de ander, vertel het dan apart aan het zorgteam; zij geven het niet door.
info-safety-after-title = Rust en herstel
info-safety-after-body = Houd na afloop tijd vrij. Te veel prikkels, te weinig slaap en een volle agenda helpen niet. Spreek samen af hoe en wanneer jullie over de ervaring praten.
info-safety-stop-title = Je kunt altijd stoppen
info-safety-stop-body = Je kunt op elk moment stoppen, voor of tijdens het traject, zonder een reden te geven. Als je stopt, hoort je partner alleen dat het traject gestopt is.

## Toestemmingsdocumenten
doc-kind-terms = Deelnamevoorwaarden
doc-kind-privacy = Privacyverklaring
doc-kind-research = Toestemming voor onderzoek
doc-version = Versie
doc-effective = Geldig vanaf
doc-method-sign_up = bij het aanmelden
doc-method-invitation = bij het meedoen via een uitnodiging
doc-method-re-accept = opnieuw geaccepteerd na een nieuwe versie
admin-docs-title = Toestemmingsdocumenten
admin-docs-intro = De versies die nu gelden. Publiceer je een nieuwe versie van de deelnamevoorwaarden of de privacyverklaring, dan vraagt dyad elke deelnemer om die bij het volgende bezoek te lezen en te accepteren; eerdere acceptaties blijven bewaard.
admin-docs-current = Nu geldig
admin-docs-kind = Document
admin-docs-doc-title = Titel
admin-docs-new = Een nieuwe versie publiceren
admin-docs-new-intro = Schrijf de volledige tekst. Laat een lege regel tussen alinea's; regels die met "- " beginnen worden een opsomming.
admin-docs-version-hint = Een kort label, bijvoorbeeld 2 of 2026-03. Elke versie kan één keer gepubliceerd worden.
admin-docs-body = Tekst
admin-docs-body-hint = De volledige tekst die mensen lezen en accepteren.
admin-docs-effective-hint = Laat leeg om de versie meteen te laten gelden.
admin-docs-publish = Deze versie publiceren
admin-docs-published = { $title }, versie { $version }, is gepubliceerd.

## Aanmelden
signup-title = Samen aanmelden
signup-intro = Jij meldt je eerst aan en nodigt de ander uit. Die krijgt een eigen uitnodiging en beslist zelf of hij of zij meedoet. Hiermee zeg je nog niet toe aan een sessie: eerst wordt zorgvuldig bekeken of het veilig is en bij jullie past.
signup-read-first = Lees dit eerst:
signup-you-title = Over jou
field-your-name = Je naam
signup-email-hint = We sturen een link om het te bevestigen. E-mails bevatten nooit gezondheidsinformatie.
signup-password-again = Typ voor je veiligheid je wachtwoord opnieuw.
field-age = Ik ben 18 jaar of ouder.
signup-together-title = Jullie tweeën
field-relationship = Hoe kennen jullie elkaar?
relationship-couple = We zijn een stel
relationship-friends = We zijn vrienden
relationship-family = We zijn familie
relationship-other = Een andere relatie
field-motivation = Waarom wil je meedoen?
field-motivation-hint = Je eigen redenen, in je eigen woorden. Een paar zinnen is genoeg. Alleen het zorgteam leest dit; de ander ziet het nooit.
field-motivation-hint-join = Je eigen redenen, in je eigen woorden, niet die van de ander. Een paar zinnen is genoeg. Alleen het zorgteam leest dit; de ander ziet het nooit.
signup-partner-title = Met wie je wilt meedoen
signup-partner-intro = We sturen deze persoon een uitnodiging per e-mail. Die beslist zelf; zegt hij of zij nee, dan hoor jij alleen dat het niet doorgaat, niet waarom.
field-partner-name = Zijn of haar naam
field-partner-email = Zijn of haar e-mailadres
signup-documents-title = Voorwaarden en privacy
field-accept-documents = Ik heb de deelnamevoorwaarden en de privacyverklaring gelezen en ga ermee akkoord.
signup-research-title = Onderzoek (niet verplicht)
signup-research-hint = Los van je zorg: nee zeggen verandert niets aan de zorg die je krijgt, en je kunt later van gedachten veranderen.
field-research = Ja, mijn antwoorden mogen zonder mijn naam voor onderzoek gebruikt worden.
signup-submit = Aanmelden en de uitnodiging versturen
signup-have-account = Heb je al een account?

## E-mailadres bevestigen
verify-title = Bevestig je e-mailadres
verify-intro = Druk op de knop om te bevestigen dat dit e-mailadres van jou is.
verify-submit = Mijn e-mailadres bevestigen
verify-expired = Deze bevestigingslink is verlopen. Log in en vraag een nieuwe aan.
verify-used = Deze bevestigingslink is al gebruikt. Is je adres bevestigd, dan kun je gewoon inloggen.
verify-continue = Verder
verify-done-title = Dank je, je e-mailadres is bevestigd
verify-done-body = Je kunt nu verder. We laten je per e-mail weten als er iets nieuws voor je is, zonder gezondheidsinformatie in de mail.
check-email-title = Kijk in je e-mail
check-email-sent = Er is een nieuwe link onderweg.
check-email-body = We hebben een link gestuurd naar { $email }. Open die om te bevestigen dat dit adres van jou is; daarna kun je verder.
check-email-partner = De uitnodiging aan de ander is ook verstuurd.
check-email-none-title = Geen e-mail gekregen?
check-email-none-body = Kijk in je map met ongewenste mail, of vraag een nieuwe link aan. Alleen de nieuwste link werkt.
check-email-resend = Stuur een nieuwe link

## De uitnodiging
join-problem-title = Deze uitnodiging kan niet gebruikt worden
join-expired = Deze uitnodiging is verlopen. Wil je toch meedoen, vraag dan degene die je uitnodigde om een nieuwe te sturen.
join-used = Deze uitnodiging is al beantwoord, of ze is ingetrokken. Doe je al mee, dan kun je inloggen.
join-title = Je uitnodiging
join-heading = { $inviter } nodigt je uit om samen mee te doen
join-intro = { $inviter } heeft zich aangemeld voor een begeleide duosessie en wil dit graag samen met jou doen ({ $relationship }).
join-what-title = Wat dit betekent
join-what-body = Een duosessie is een begeleide sessie met MDMA voor twee mensen, binnen onderzoek of een praktijk voor harm reduction. Voordat er iets gepland wordt, vult ieder van jullie een eigen intake in en kijkt een behandelaar zorgvuldig of het veilig is en bij jullie past.
join-own-choice = Of je meedoet, beslis je helemaal zelf. Doe alleen mee als je dit zelf wilt, en niet vooral voor de ander.
join-wall = Wat je aan het zorgteam vertelt, blijft tussen jou en hen. Degene die je uitnodigde ziet jouw antwoorden nooit, en jij de zijne of hare ook niet.
join-form-title = Meedoen met je eigen account
join-email = Je account gebruikt het adres waar deze uitnodiging naartoe is gestuurd: { $email }
join-submit = Meedoen
join-decline-title = Niets voor jou?
join-decline-body = Dat is helemaal goed. { $inviter } hoort alleen dat het niet doorgaat, niet waarom.
join-decline-link = Ik wil niet meedoen
decline-title = Nee zeggen tegen deze uitnodiging
decline-body = Als je nee zegt, hoort { $inviter } alleen dat het niet doorgaat. Verder wordt er niets gedeeld, en je hoeft geen reden te geven.
decline-submit = Ja, ik wil niet meedoen
decline-back = Terug naar de uitnodiging
declined-title = Je hebt nee gezegd
declined-body = Dank je dat je het laat weten. De uitnodiging is nu gesloten en de link werkt niet meer.
declined-later = Bedenk je je later, dan kan de ander zich opnieuw aanmelden en een nieuwe uitnodiging sturen.

## Startpagina voor deelnemers
step-invited = Uitnodiging
step-intake = Intake, ieder apart
step-screening = Screening
step-preparation = Voorbereiding
step-scheduled = Sessie gepland
step-session = Sessiedag
step-integration = Integratie
step-aftercare = Nazorg
phase-now-invited = Je bent aangemeld. We wachten tot de persoon die je uitnodigde antwoordt.
phase-now-intake = Jullie doen allebei mee. Ieder van jullie vult nu een eigen intake in, alleen.
phase-now-screening = Jullie intakes zijn compleet. Een behandelaar bekijkt ze zorgvuldig.
phase-now-preparation = Je bereidt je met je zorgteam voor op de sessie.
phase-now-scheduled = Jullie sessiedag is gepland.
phase-now-session = Vandaag is jullie sessiedag.
phase-now-integration = Je zit in de weken na de sessie: betekenis geven aan wat je meemaakte, alleen en samen.
phase-now-aftercare = Je zit in de nazorg. Het team vraagt af en toe hoe het met je gaat.
phase-now-paused = Je traject is voorlopig gepauzeerd.
phase-now-stopped = Je traject is gestopt.
phase-next-invited = Zodra de ander meedoet, begint ieder van jullie aan een eigen intake. Hieronder kun je de uitnodiging opnieuw versturen of intrekken.
phase-next-intake = Neem de tijd voor de vragen; je kunt stoppen en later verdergaan. Je antwoorden zijn alleen voor het zorgteam, nooit voor je partner.
phase-next-screening = De behandelaar beslist of een duosessie verantwoord is, en in welke vorm. Je zorgteam vertelt je de uitkomst.
phase-next-preparation = Gesprekken, alleen en samen, en jullie gezamenlijke afspraken voor de dag. Je zorgteam plant die met je.
phase-next-scheduled = Bereid je voor zoals afgesproken en houd de dag erna vrij. Verandert er iets voor je, stuur je zorgteam dan een bericht.
phase-next-session = Je zorgteam is de hele dag bij jullie.
phase-next-integration = Integratiegesprekken, en als je wilt een dagboek waarin jij beslist wat je deelt.
phase-next-aftercare = Korte vragenlijsten. Maak je je ergens zorgen over, stuur je zorgteam dan op elk moment een bericht.
phase-next-paused = Je zorgteam neemt contact met je op over hoe het verder gaat.
phase-next-stopped = Je zorgteam neemt contact met je op over hoe het verder gaat. Je berichten en documenten kun je hier nog steeds lezen.
home-documents-pending = Er is een nieuwe versie van een document die je moet lezen en accepteren.
home-where-title = Waar je nu bent
home-intake-link = Naar je intake
home-step-now = nu
home-step-done = klaar
home-next-title = Wat er nu komt
home-together-with = Je doet mee samen met
home-invitation-title = Je uitnodiging
invitation-waiting = We wachten op het antwoord van { $name }.
invitation-joined = { $name } doet mee.
invitation-will-not-go-ahead = De uitnodiging aan { $name } gaat niet door.
home-invitation-waiting-hint = De link in de e-mail werkt één keer en een beperkte tijd. Stuur je hem opnieuw, dan werkt de oude link niet meer.
invitation-resend = De uitnodiging opnieuw versturen
invitation-cancel = De uitnodiging intrekken
invitation-resent = De uitnodiging is opnieuw verstuurd. Alleen de nieuwe link werkt.
invitation-not-open = Deze uitnodiging staat niet meer open.
invitation-cancelled = De uitnodiging is ingetrokken.
cancel-title = De uitnodiging intrekken?
cancel-body = { $name } kan dan niet meer meedoen met de link die we stuurden. Hiermee stopt ook jouw aanmelding; je kunt je later opnieuw aanmelden.
cancel-submit = Ja, intrekken
confirm-back = Nee, ga terug
home-yours-title = Van jou
home-messages-hint = alleen tussen jou en je zorgteam
home-stop-title = Stoppen
home-stop-body = Je kunt op elk moment stoppen, zonder uit te leggen waarom.
home-stop-link = Stoppen met meedoen

## Stoppen
withdraw-title = Stoppen met meedoen
withdraw-intro = Je kunt op elk moment stoppen. Je hoeft niet uit te leggen waarom. Wil je liever pauzeren of eerst praten, dan kun je je zorgteam ook een bericht sturen.
withdraw-who-title = Wat er gebeurt als je stopt
withdraw-who-team = Je zorgteam hoort dat je gestopt bent. Alleen zij kunnen je reden lezen, als je die geeft.
withdraw-who-partner = De ander hoort alleen dat het traject gestopt is: niet wie het stopte, en niet waarom.
withdraw-who-kept = Er wordt niets verwijderd. Je zorgteam neemt contact met je op over hoe het verder gaat, bijvoorbeeld of alleen verdergaan mogelijk is.
withdraw-reason = Je reden (niet verplicht)
withdraw-reason-hint = Alleen je zorgteam kan dit lezen.
withdraw-confirm = Ja, ik wil stoppen met meedoen.
withdraw-confirm-missing = Vink het vakje aan om te bevestigen dat je wilt stoppen.
withdraw-submit = Stoppen met meedoen
withdraw-talk-first = Twijfel je nog?
withdraw-done = Je bent gestopt met meedoen. Je zorgteam weet het en neemt contact met je op.

## Documenten voor deelnemers
my-docs-title = Je documenten
my-docs-intro = De versies van de documenten die je hebt geaccepteerd, en wanneer. Eerdere versies blijven bewaard.
my-docs-none = Je hebt nog geen documenten geaccepteerd.
my-docs-accepted-on = Geaccepteerd op
my-docs-how = Hoe
my-docs-read-current = Lees de huidige versies:
review-title = Lees de nieuwe versie
review-intro = Een document is veranderd sinds je het accepteerde. Lees de nieuwe tekst voordat je verdergaat.
review-questions = Is er iets onduidelijk, dan kun je het na het accepteren aan je zorgteam vragen, of je logt uit en neemt contact op met de praktijk.
review-accept = Ik heb deze documenten gelezen en ga ermee akkoord

## Berichten
messages-title = Berichten
messages-intro = Een besloten gesprek tussen jou en je zorgteam. Je partner ziet deze berichten nooit.
messages-empty = Nog geen berichten.
messages-care-team = zorgteam
messages-new = Je bericht
messages-new-hint = We laten de andere kant per e-mail weten dat er een bericht wacht; het bericht zelf staat nooit in de e-mail.
messages-send = Versturen
messages-team-title = Berichten met { $name }
messages-team-intro = Het besloten gesprek tussen deze deelnemer en het zorgteam. De partner ziet het nooit.
messages-back-to-duo = Terug naar het duo

## Duo's voor het zorgteam
phase-invited = Uitgenodigd
phase-intake = Intake
phase-screening = Screening
phase-preparation = Voorbereiding
phase-scheduled = Gepland
phase-session = Sessiedag
phase-integration = Integratie
phase-aftercare = Nazorg
phase-closed = Afgesloten
phase-withdrawn = Teruggetrokken
phase-declined = Afgewezen
phase-paused = Gepauzeerd
invitation-short-waiting = wacht op antwoord
invitation-short-joined = doet mee
invitation-short-will_not_go_ahead = gaat niet door
event-partner_joined = partner doet mee
event-invitation_declined = uitnodiging afgewezen
event-invitation_expired = uitnodiging verlopen
event-intakes_submitted = beide intakes ingediend
event-screening_decided = screening besloten
event-rescreen = screening heropend
event-session_booked = sessie geboekt
event-session_cancelled = sessie geannuleerd
event-session_started = sessie begonnen
event-session_closed = sessie afgerond
event-next_session = volgende sessie
event-integration_done = integratie afgerond
event-close = afgesloten
event-withdraw = een deelnemer trok zich terug
event-pause = gepauzeerd
event-resume = hervat
duos-title = Duo's
duos-search = Zoeken
duos-search-hint = Een naam, e-mailadres of pseudoniemcode.
duos-phase = Fase
duos-phase-any = Elke fase
duos-show = Tonen
duos-none = Geen duo's gevonden.
duos-code = Code
duos-names = Deelnemers
duos-days = Dagen in fase
duos-invitation = Uitnodiging
duos-pages = Pagina's van de lijst
duos-prev = Vorige pagina
duos-next = Volgende pagina
duos-page = Pagina { $page }
duo-title = Duo
duo-back = Terug naar alle duo's
duo-break-glass-active = Je bekijkt dit duo met noodtoegang. Alles wat je opent wordt vastgelegd en gemarkeerd.
duo-days-suffix = dagen in deze fase
duo-team = Zorgteam
duo-intake = Intake
duo-team-none = Nog geen zorgteam toegewezen.
duo-assign-title = Het zorgteam toewijzen
duo-assign-intro = Kies de begeleiders en de behandelaar voor dit duo. Alleen actieve medewerkers met die rol staan erbij.
duo-facilitators = Begeleiders
duo-clinicians = Behandelaars
duo-nobody-with-role = Nog niemand van de medewerkers heeft deze rol.
duo-assign-submit = Zorgteam opslaan
duo-team-saved = Het zorgteam is opgeslagen.
duo-break-glass-granted = Noodtoegang is voor beperkte tijd verleend. Dit wordt vastgelegd en gemarkeerd.
duo-timeline = Tijdlijn
duo-event = Wat er gebeurde
duo-from = Van
duo-to = Naar
duo-withdrawals = Teruggetrokken
duo-withdrawals-private = Alleen het zorgteam ziet dit. Deel nooit met de andere deelnemer wie zich terugtrok of waarom.
duo-no-reason = geen reden gegeven
break-glass-not-on-team = Je zit niet in het zorgteam van dit duo, dus de gegevens zijn voor jou gesloten.
break-glass-warning = Gebruik noodtoegang alleen als iemands veiligheid er nu van afhangt. Je krijgt voor beperkte tijd alleen-lezen toegang. Je naam, het tijdstip en je reden worden vastgelegd en gemarkeerd, beheerders zien ze, en alles wat je opent verschijnt in het toegangsoverzicht van de deelnemer zelf.
break-glass-reason = Waarom heb je nu toegang nodig?
break-glass-reason-hint = 10 tot 1000 tekens.
break-glass-submit = Openen met noodtoegang
