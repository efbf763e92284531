# dyad — Nederlands, de screeningpagina's. Dezelfde ids als en/screening.ftl.

## De beoordeling door de clinicus
screening-title = Screening van duo
screening-back-to-duo = Terug naar het duo
screening-duo-link = Screening
screening-duo-open = Bevindingen en besluit
screening-audited = Het openen van deze pagina wordt vastgelegd in het auditspoor.
screening-support-title = dyad ondersteunt je professionele oordeel; het vervangt het niet.
screening-support-body = De bevindingen hieronder komen uit vaste regels over beide intakes, elk met een bron. Ze kunnen onvolledig zijn of niet kloppen voor deze persoon. Jij beslist, en jij tekent voor je besluit.
screening-findings-title = Bevindingen
screening-findings-intro = De bevindingen van elke persoon staan apart, de ernstigste eerst. Bevindingen over het duo als geheel staan daaronder.
screening-person-waiting = Deze persoon heeft nog geen intake ingediend; er zijn nog geen bevindingen.
screening-person-none = De regels geven geen bevindingen voor deze persoon.
screening-person-count = { $count ->
    [one] Eén bevinding
   *[other] { $count } bevindingen
}
screening-intake-link = Open de intake van deze persoon
screening-duo-findings-title = Bevindingen over het duo als geheel
screening-duo-findings-none = Geen bevindingen over het duo als geheel.

## Ernst, bewijs en markeringen
screening-severity-exclusion = Uitsluiting
screening-severity-exclusion-hint = niet in aanmerking zolang dit geldt
screening-severity-contraindication = Contra-indicatie
screening-severity-contraindication-hint = geen sessie zolang dit geldt; mogelijk op te lossen
screening-severity-caution = Voorzichtigheid
screening-severity-caution-hint = vraagt om een plan vóór een sessie
screening-severity-info = Informatie
screening-severity-info-hint = goed om te weten, geen actie nodig
screening-evidence-v = gecontroleerd in een openbare versie van de bron
screening-evidence-s = alleen een secundaire bron
screening-evidence-u = niet gecontroleerd in een openbare versie; niet als feit gepresenteerd
screening-mark-review = Vraagt jouw beoordeling
screening-mark-washout = Uitwasperiode nodig
screening-finding-action = Aanbevolen actie
screening-finding-answer = Het antwoord erachter
screening-finding-answer-link = bekijk de intake
screening-finding-source = Bron
screening-finding-evidence = Bewijs
screening-finding-code = Regel

## De aanbevolen vorm
screening-recommended-title = Aanbevolen vorm
screening-recommended-reasons = Waarom
screening-recommended-no-reasons = Geen enkele bevinding wijst op een andere vorm.
screening-recommended-not-decision = Dit is een aanbeveling van de regels, geen besluit.
screening-knowledge-version = Versie van de kennisbank

## Vormen
screening-format-duo = Duosessie
screening-format-duo-description = Samen, met het gewone zorgteam.
screening-format-duo-two-facilitators = Duosessie met twee begeleiders
screening-format-duo-two-facilitators-description = Samen, met een tweede begeleider zodat ieder een-op-een steun kan krijgen.
screening-format-individual-then-duo = Eerst individueel, dan duo
screening-format-individual-then-duo-description = Ieder volgt eerst een individueel traject; later kan een duosessie volgen.
screening-format-individual-only = Alleen individueel
screening-format-individual-only-description = Geen duosessie; alleen een individueel traject.
screening-format-not-eligible = Niet in aanmerking
screening-format-not-eligible-description = Voorlopig geen sessie; het duo wordt zorgvuldig afgesloten en met beide mensen wordt contact opgenomen.

## Ondertekende besluiten
screening-decisions-title = Ondertekende besluiten
screening-decisions-none = Er is nog geen besluit ondertekend.
screening-decision-in-force = geldend
screening-decision-earlier = eerder besluit, bewaard
screening-decision-rationale = Onderbouwing
screening-decision-signed-by = Ondertekend door
screening-decision-signed-at = Ondertekend op (UTC)
screening-decision-meaning = Betekenis van de handtekening
screening-signed = Je besluit is ondertekend en vastgelegd. Beide deelnemers kregen dezelfde neutrale uitkomst te horen.

## Het besluitformulier
screening-decide-title = Jouw besluit
screening-decide-intro = Kies een vorm, schrijf in je eigen woorden op waarom, en teken door je wachtwoord opnieuw in te voeren.
screening-decide-again = Een nieuw besluit wist het eerdere niet: beide blijven bewaard, en het nieuwste geldt.
screening-decide-format = Vorm
screening-decide-recommended = aanbevolen door de regels
screening-decide-rationale = Onderbouwing
screening-decide-rationale-hint = Verplicht, minstens { $min } tekens. Alleen het zorgteam kan dit lezen; de deelnemers zien het nooit.
screening-decide-meaning-title = Met je handtekening verklaar je:
screening-sign-meaning = Ik heb beide intakes en de bevindingen beoordeeld, en ik neem dit besluit onder mijn professionele verantwoordelijkheid.
screening-decide-meaning-recorded = Bij je handtekening vastgelegd in het Engels:
screening-decide-password = Je wachtwoord (elektronische handtekening)
screening-decide-password-hint = Het wachtwoord waarmee je inlogt. Het wordt gecontroleerd en nooit bij het besluit bewaard.
screening-decide-submit = Besluit ondertekenen
screening-error-format = Kies een van de vormen.
screening-error-rationale = Schrijf de onderbouwing in { $min } tot { $max } tekens.
screening-error-password = Dit is niet je wachtwoord. Voor je handtekening is je huidige wachtwoord nodig.
screening-not-open-waiting = Je kunt een besluit ondertekenen zodra beide mensen hun intake hebben ingediend.
screening-not-open-phase = Er kan geen screeningsbesluit worden genomen zolang het duo in de fase "{ $phase }" is.
screening-conflict-title = Het besluit is niet vastgelegd
screening-conflict-changed = Het duo is veranderd terwijl je aan het beslissen was. Lees de pagina opnieuw en teken nog eens.

## Wat de deelnemers zien
screening-outcome-title = Na de screening
screening-outcome-pending = Je team bekijkt alles zorgvuldig. Je hoort van hen; je hoeft nu niets te doen.
screening-outcome-go-on-to-preparation = Je kunt verder met de voorbereiding. Je zorgteam plant de volgende gesprekken met je.
screening-outcome-team-will-contact = Je team neemt contact met je op over de volgende stappen. Wil je in de tussentijd iets vragen, stuur ze dan een bericht.
