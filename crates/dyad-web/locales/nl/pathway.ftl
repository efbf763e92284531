## De trajectkaart op de duopagina: stappen die het zorgteam met de hand zet.

pathway-title = Traject
pathway-intro = Stappen die het zorgteam met de hand zet. Elke stap komt op de tijdlijn van het duo, met de reden die je geeft.
pathway-now = Nu
pathway-paused-from = Gepauzeerd vanuit
pathway-none = In deze fase kan geen stap met de hand gezet worden.
pathway-step-integration_done = Integratie is klaar: nazorg begint
pathway-step-next_session = Nog een sessie plannen: terug naar voorbereiding
pathway-step-close = Traject afsluiten
pathway-step-pause = Traject pauzeren
pathway-step-resume = Traject hervatten
pathway-leads-to = Leidt naar: { $phase }
pathway-waits-for = Nog niet mogelijk:
pathway-gate-integration_meeting_held = Eerst moet er een integratiegesprek zijn geweest, na de laatste sessiedag.
pathway-gate-previous_phase_unknown = Het is niet bekend vanuit welke fase het traject is gepauzeerd.
pathway-reason = Reden
pathway-reason-hint = Zichtbaar voor het zorgteam en de coördinatoren, nooit voor de deelnemers. Houd klinische details in de klinische notities.
pathway-history = Stappen met de hand gezet
pathway-by = door { $name }
pathway-no-reason = geen reden gegeven
pathway-saved = De stap is vastgelegd.
pathway-participants-told = De deelnemers krijgen een kort bericht per mail als het traject gepauzeerd, hervat of afgesloten wordt, zonder de reden.

## Een geplande sessiedag afzeggen, op de console.

console-cancel-title = Deze sessiedag afzeggen
console-cancel-hint = Kan tot de eerste invoer. De ruimte en de tijd van het team komen weer vrij en het duo gaat terug naar voorbereiding. De deelnemers krijgen een kort bericht dat de dag niet doorgaat, zonder de reden.
console-cancel-reason = Reden
console-cancel-reason-hint = Alleen zichtbaar voor het zorgteam en de coördinatoren.
console-cancel-submit = Sessiedag afzeggen
console-saved-cancelled = De sessiedag is afgezegd. De ruimte en het team zijn weer vrij.
console-cancelled = afgezegd

## Mails

mail-session-cancelled-subject = Je sessiedag op { $when } gaat niet door
mail-session-cancelled-body =
    Hallo { $name },

    De sessiedag die gepland stond op { $when } gaat niet door. Je hoeft niets te doen.
    Je zorgteam neemt contact met je op over wat er nu komt.

    Heb je een vraag, stuur je zorgteam dan een bericht in dyad:
    { $link }
mail-session-cancelled-staff-subject = Sessiedag van duo { $code } afgezegd
mail-session-cancelled-staff-body =
    Hallo { $name },

    De sessiedag van duo { $code } op { $when } ({ $room }) is afgezegd. Die tijd is weer vrij in je agenda.

    { $link }
mail-pathway-paused-subject = Je traject is even gepauzeerd
mail-pathway-paused-body =
    Hallo { $name },

    Je zorgteam heeft je traject even gepauzeerd. Je hoeft niets te doen.
    Je zorgteam neemt contact met je op over wat er nu komt.

    Je kunt je berichten en documenten blijven lezen en je zorgteam een bericht sturen:
    { $link }
mail-pathway-paused-session-subject = Je traject is even gepauzeerd
mail-pathway-paused-session-body =
    Hallo { $name },

    Je zorgteam heeft je traject even gepauzeerd. Daarom gaat de geplande sessiedag op die datum niet door.
    Je hoeft niets te doen. Je zorgteam neemt contact met je op over wat er nu komt.

    Je kunt je berichten en documenten blijven lezen en je zorgteam een bericht sturen:
    { $link }
mail-pathway-resumed-subject = Je traject gaat verder
mail-pathway-resumed-body =
    Hallo { $name },

    Je traject gaat verder. Je zorgteam vertelt je wat de volgende stap is; je kunt ook in dyad zien waar je staat:
    { $link }
mail-pathway-closed-subject = Je traject bij { $practice } is afgesloten
mail-pathway-closed-body =
    Hallo { $name },

    Je zorgteam heeft je traject afgesloten. Dank je voor het vertrouwen dat je hen gaf.

    Je kunt nog steeds inloggen om je berichten en documenten te lezen en om te downloaden wat dyad over je bewaart:
    { $link }
