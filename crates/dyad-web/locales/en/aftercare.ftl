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

## Check-ins (participant pages)

checkins-title = Check-ins
checkins-link = Check-ins
checkins-back = Back to your check-ins
checkins-intro = After each session you get short check-ins: every day in the first week, then after two weeks, and after one, three and six months. Each takes a few minutes. Your answers go to your care team, never to the other person.
checkins-not-watched = Check-ins are not watched in real time. Your care team reads them, but not straight away and not at night.
checkins-ready-title = Ready now
checkins-ready-none = There is no check-in for you right now.
checkins-open-until = open until { $date }
checkins-next-title = Coming up
checkins-past-title = Earlier check-ins
checkins-past-none = None yet.
checkin-point-day = Day { $n }
checkin-point-week_2 = After two weeks
checkin-point-month_1 = After one month
checkin-point-month_3 = After three months
checkin-point-month_6 = After six months
checkin-status-upcoming = not open yet
checkin-status-due = ready
checkin-status-answered = answered
checkin-status-missed = closed without an answer
checkin-title = Check-in
checkin-wellbeing-title = How are you?
checkin-q-mood = How is your mood today?
checkin-q-mood-hint = 0 is very low, 10 is very good.
checkin-q-sleep = How did you sleep last night?
checkin-q-sleep-hint = 0 is very badly, 10 is very well.
checkin-q-self_harm = Have you had thoughts of hurting yourself since your last check-in?
checkin-q-self_harm-hint = There is no wrong answer. Your care team asks so they can support you.
checkin-q-self_harm-no = No
checkin-q-self_harm-thoughts = Yes, I have had thoughts like that
checkin-q-self_harm-plan = Yes, and I have thought about how I would do it
checkin-q-contact = Would you like someone from your care team to contact you?
checkin-q-contact-hint = They will get in touch by phone or message, usually within a working day.
checkin-q-contact-no = No, not now
checkin-q-contact-yes = Yes, please contact me
checkin-submit = Send my answers
checkin-error-answer = Choose an answer.
checkin-thanks = Thank you. Your answers are saved.
checkin-answered-on = You answered this check-in on { $date }.
checkin-scores-title = Your scores
checkin-not-open-yet = This check-in is not open yet. You will get an email when it is.
checkin-closed = This check-in has closed. The next one will be ready at its time.
checkin-risk-title = Thank you for telling us
checkin-risk-body = Your answers are saved and your care team has been told. Someone will contact you, but it may not be right away: check-ins are not watched in real time.
checkin-risk-now = If you are not safe right now, or you might act on thoughts of hurting yourself, please contact:
checkin-risk-after = You do not have to wait for the care team. Reaching out now is a good step.

## Outcomes over time

outcomes-link = Your answers over time
outcomes-title-own = Your answers over time
outcomes-title-duo = Outcomes over time, duo { $code }
outcomes-intro-own = Each chart shows your total on a questionnaire at each check-in, with your answer at intake as the dashed line. Lower totals mean fewer complaints. The table below each chart holds the same numbers.
outcomes-intro-team = Totals at each check-in against each person's intake baseline (dashed line), side by side. Lower totals mean fewer symptoms.
outcomes-none = No answers yet.
outcomes-intake = Intake
outcomes-chart-title = { $instrument }: { $name }
outcomes-chart-desc = Total at intake { $intake }, latest { $latest }, out of { $max }; { $count } check-ins answered.
outcomes-col-date = Date
outcomes-col-point = When
outcomes-col-total = Total

## Alerts (care team)

alerts-title = Alerts
alerts-link = Alerts
alerts-title-duo = Alerts for duo { $code }
alerts-intro = Alerts open when a check-in answer signals risk. Acknowledge an alert when you take it on, add notes on what was done, and resolve it when it is dealt with. Everything here is recorded in the audit trail.
alerts-show-all = Show resolved alerts too
alerts-show-open = Show only alerts that are not resolved
alerts-none = No alerts.
alert-status = Status
alert-status-open = Open — nobody has acknowledged it yet
alert-status-acknowledged = Acknowledged
alert-status-resolved = Resolved
alert-escalated = escalated by mail
alert-opened = Opened
alert-acknowledged = Acknowledged by
alert-resolved = Resolved by
alert-signals = What the answers signalled
alert-source = Source
alert-signal-phq9_item9 = PHQ-9 item 9 (thoughts of death or self-harm) above "Not at all"
alert-signal-self_harm_thoughts = Thoughts of self-harm since the last check-in
alert-signal-self_harm_plan = A plan for self-harm
alert-signal-asked_for_contact = Asked to be contacted
alert-notes = Notes
alert-acknowledge = Acknowledge
alert-note-label = Add a note
alert-note-submit = Save note
alert-resolve-label = Closing note (optional)
alert-resolve = Resolve
alert-saved-acknowledge = The alert is acknowledged.
alert-saved-note = Your note is saved.
alert-saved-resolve = The alert is resolved.
alert-error-note = Write the note before saving.
aftercare-duo-label = Aftercare
outcomes-team-link = Outcomes over time

## The personal export

export-title = Everything we hold about you
export-link = Everything we hold about you
export-intro = This is everything dyad holds about you: your account, the documents you accepted, your consents, your intake, your journal, your check-ins, your messages with the care team, your meetings, and who looked at your records. What the other person shared only with the care team is theirs and is not included.
export-download = Download as a file (JSON)
export-profile = Your account
export-name = Name
export-email = Email
export-codes = Your codes
export-phase = Where you are in the pathway
export-motivation = Why you wanted to take part
export-documents = Documents you accepted
export-consents = Your consents
export-item = Item
export-state = State
export-intake = Your intake
export-intake-current = Your current answers ({ $status })
export-intake-version = Sent in: version { $version }, { $date }
export-answers = Answers
export-meetings = Meetings
export-who = Who
export-what = What
