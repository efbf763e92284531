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
