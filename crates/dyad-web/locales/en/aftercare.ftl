# Aftercare: check-ins, alerts for the care team, outcomes over time, and the personal export.
# Mails never hold clinical content.

mail-checkin-subject = A check-in is ready for you
mail-checkin-body =
    Hello { $name },

    A short check-in is ready for you. It takes a few minutes. Answer it when it suits you today.

    { $link }

    Nobody reads check-ins as they come in. If you need help now, use the crisis contacts on the check-in page or call your local emergency number.
mail-alert-subject = A check-in needs attention (duo { $code })
mail-alert-body =
    Hello { $name },

    A check-in from duo { $code } needs a clinician's attention. Please open the alerts inbox and acknowledge it.

    { $link }
mail-escalation-subject = Not acknowledged yet: an alert for duo { $code }
mail-escalation-body =
    Hello { $name },

    An alert for duo { $code } has not been acknowledged in the agreed time. Please make sure someone on the care team looks at it now.

    { $link }
