# Mails over voorbereiding, uitkomsten van de screening en aanvullingen. Nooit klinische inhoud in een mail.

meeting-title-preparation = Voorbereidend gesprek — { $practice }
meeting-title-integration = Integratiegesprek — { $practice }
meeting-calendar-note = Een gesprek met je begeleiders. De details staan in dyad; hier staat niets persoonlijks.
mail-meeting-body =
    Hallo { $name },

    Er is een gesprek voor je gepland op { $when } (UTC), van { $minutes } minuten.
    De agenda-uitnodiging zit als bijlage bij deze mail. Komt het tijdstip niet uit? Laat het weten via je berichten in dyad.

    { $link }
mail-reminder-subject = Herinnering: je gesprek van morgen
mail-reminder-body =
    Hallo { $name },

    Een herinnering: je gesprek is op { $when } (UTC).

    { $link }
mail-outcome-subject = Nieuws over je volgende stap bij { $practice }
mail-outcome-go_on_to_preparation =
    Hallo { $name },

    Je begeleiders hebben alles zorgvuldig bekeken. Jullie kunnen samen verder met de voorbereiding. Je begeleider neemt contact op om het eerste gesprek te plannen.

    { $link }
mail-outcome-team_will_contact =
    Hallo { $name },

    Je begeleiders hebben alles zorgvuldig bekeken. Ze nemen contact met je op over de volgende stappen, en je kunt ze alles vragen wat je wilt.

    { $link }
mail-outcome-pending =
    Hallo { $name },

    Je begeleiders zijn nog bezig met het bekijken van alles.

    { $link }
mail-amend-subject = Je begeleiders vragen je om je intake nog eens te bekijken
mail-amend-body =
    Hallo { $name },

    Je begeleiders hebben gevraagd om een deel van je intake nog eens te bekijken. Log in om het te zien; je eerdere antwoorden blijven bewaard.

    { $link }
