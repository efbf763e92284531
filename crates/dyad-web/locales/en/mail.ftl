# Mails about preparation, screening outcomes and amendments. No mail ever holds clinical content.

meeting-title-preparation = Preparation meeting — { $practice }
meeting-title-integration = Integration meeting — { $practice }
meeting-calendar-note = A meeting with your care team. Details are in dyad; nothing personal is written here.
mail-meeting-body =
    Hello { $name },

    A meeting has been planned for you on { $when } (UTC), for { $minutes } minutes.
    The calendar invitation is attached. If the time does not work, reply through your messages in dyad.

    { $link }
mail-reminder-subject = Reminder: your meeting tomorrow
mail-reminder-body =
    Hello { $name },

    A reminder that your meeting is on { $when } (UTC).

    { $link }
mail-outcome-subject = News about your next step at { $practice }
mail-outcome-go_on_to_preparation =
    Hello { $name },

    Your care team has looked at everything carefully. You can go on to preparation together. Your facilitator will be in touch to plan the first meeting.

    { $link }
mail-outcome-team_will_contact =
    Hello { $name },

    Your care team has looked at everything carefully. They will contact you about the next steps, and you can ask them anything you like.

    { $link }
mail-outcome-pending =
    Hello { $name },

    Your care team is still looking at everything.

    { $link }
mail-amend-subject = Your care team asks you to look at your intake again
mail-amend-body =
    Hello { $name },

    Your care team has asked you to look at part of your intake again. Sign in to see it; your earlier answers are kept.

    { $link }
