## The pathway card on the duo page: steps the care team takes by hand.

pathway-title = Pathway
pathway-intro = Steps the care team takes by hand. Each one is recorded on the duo's timeline with the reason you give.
pathway-now = Now
pathway-paused-from = Paused from
pathway-none = No step can be taken by hand in this phase.
pathway-step-integration_done = Integration is done: start aftercare
pathway-step-next_session = Plan another session: back to preparation
pathway-step-close = Close the pathway
pathway-step-pause = Pause the pathway
pathway-step-resume = Resume the pathway
pathway-leads-to = Leads to: { $phase }
pathway-waits-for = Not possible yet:
pathway-gate-integration_meeting_held = An integration meeting has to be held first, after the last session day.
pathway-gate-previous_phase_unknown = The phase the pathway was paused from is not known.
pathway-reason = Reason
pathway-reason-hint = Seen by the care team and coordinators, never by the participants. Keep clinical details in the clinical notes.
pathway-history = Steps taken by hand
pathway-by = by { $name }
pathway-no-reason = no reason given
pathway-saved = The step is recorded.
pathway-participants-told = The participants get a short note by mail when the pathway is paused, resumed or closed, without the reason.

## Cancelling a booked session day, on the console.

console-cancel-title = Cancel this session day
console-cancel-hint = Possible until the first entry is recorded. The room and the team's time are free again, and the duo goes back to preparation. The participants get a short note that the day will not take place, without the reason.
console-cancel-reason = Reason
console-cancel-reason-hint = Seen by the care team and coordinators only.
console-cancel-submit = Cancel the session day
console-saved-cancelled = The session day is cancelled. The room and the team are free again.
console-cancelled = cancelled

## Mails

mail-session-cancelled-subject = Your session day on { $when } will not take place
mail-session-cancelled-body =
    Hello { $name },

    The session day planned for { $when } will not take place. You do not need to do anything.
    Your care team will contact you about what happens next.

    If you have a question, you can send your care team a message in dyad:
    { $link }
mail-session-cancelled-staff-subject = Session day of duo { $code } cancelled
mail-session-cancelled-staff-body =
    Hello { $name },

    The session day of duo { $code } on { $when } ({ $room }) is cancelled. That time is free in your calendar again.

    { $link }
mail-pathway-paused-subject = Your pathway is paused for now
mail-pathway-paused-body =
    Hello { $name },

    Your care team has paused your pathway for now. You do not need to do anything.
    Your care team will contact you about what happens next.

    You can still read your messages and documents, and send your care team a message:
    { $link }
mail-pathway-paused-session-subject = Your pathway is paused for now
mail-pathway-paused-session-body =
    Hello { $name },

    Your care team has paused your pathway for now, so the planned session day will not take place on that date.
    You do not need to do anything. Your care team will contact you about what happens next.

    You can still read your messages and documents, and send your care team a message:
    { $link }
mail-pathway-resumed-subject = Your pathway continues
mail-pathway-resumed-body =
    Hello { $name },

    Your pathway continues. Your care team will tell you about the next step; you can also see where you are in dyad:
    { $link }
mail-pathway-closed-subject = Your pathway with { $practice } is closed
mail-pathway-closed-body =
    Hello { $name },

    Your care team has closed your pathway. Thank you for the trust you gave them.

    You can still sign in to read your messages and documents, and to download what dyad holds about you:
    { $link }
