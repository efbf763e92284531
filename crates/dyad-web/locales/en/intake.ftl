# dyad — English, the intake pages. nl/intake.ftl must hold the same ids.

## Answering, one section at a time
intake-quick-exit = Leave this page quickly
intake-private-title = Only for you and your care team
intake-private-exit = If someone comes near, the "Leave this page quickly" button at the top takes you to a neutral page at once. Your answers so far are saved.
intake-step = Section { $n } of { $total }
intake-sections-answered = { $answered } of { $total } sections answered
intake-start-saving = Every answer is saved as you give it. You can stop at any time and carry on later, on this device or another one.
intake-begin = Start with the first section
intake-continue = Carry on where you left off
intake-sections-title = The sections
intake-section-done = answered
intake-section-todo = still to answer
intake-section-private = private
intake-all-sections = All sections
intake-review-link = See all your answers
intake-back = Back
intake-save = Save
intake-next = Save and continue
intake-to-review = Save and check your answers
intake-saved = Your answers are saved.
intake-autosaved = Saved.
intake-autosave-partly = Saved, except for the answers below. Please look at them again.
intake-more-questions = This answer brings up another question: show it
intake-locked = Your intake is submitted and locked. Ask your care team if something needs to change.
intake-conflict-device = Your intake was changed on another device in the meantime. Check the answers below and save them again.
intake-conflict-closed = The intake cannot be changed at this point of your pathway. Please ask your care team.
intake-yes = Yes
intake-no = No
intake-or = or
intake-optional = optional
intake-none-of-these = None of these
intake-error-number = Enter a number, for example 64 or 64.5.
intake-error-none-and-some = You chose "none" and also gave an answer. Please choose one or the other.
intake-list-name = Name
intake-list-dose = Dose (if you know it)
intake-list-frequency = How often
intake-list-remove = Remove
intake-list-remove-hint = To remove an entry, clear its name or use "Remove".
intake-list-none = None
intake-meds-add = Add another medicine
intake-meds-none = I take no medicines
intake-meds-row = Medicine { $n }
intake-subs-add = Add another substance
intake-subs-none = I have used none
intake-subs-row = Substance { $n }
intake-did-you-mean = Did you mean: { $names }? If not, keep what you typed; your care team will check it.

## Checking and submitting
intake-review-title = Check your answers
intake-review-intro = Here is everything you have answered. You can still change anything until you submit.
intake-review-refused = Your intake cannot be submitted yet
intake-missing-title = Still to answer
intake-missing-intro = These questions need an answer before you can submit:
intake-not-answered = Not answered yet
intake-change = Change
intake-item-label = { $instrument }, question { $n }
# Above a validated questionnaire shown in its own wording, for a reader of another language.
intake-instrument-original-language =
    This questionnaire is shown in its validated { $language ->
        [nl] Dutch
       *[other] original
    } version: that is the wording it was tested in, and its answers only count in that wording. If a question is unclear, choose what fits best; you can always ask your care team.
intake-items-answered = { $answered } of { $total } questions answered
intake-scale-answer = { $value } on a scale from { $min } ({ $min_label }) to { $max } ({ $max_label })
intake-submit-title = Send your intake to your care team
intake-submit-body = After you send it, your answers are locked. If something needs to change later, ask your care team.
intake-submit = Send my intake
intake-done-title = Thank you, your intake is with your care team
intake-done-body = Your answers have reached your care team. Your partner will never see them.
intake-done-locked = Your answers are now locked. If something has changed or you want to correct an answer, send a message to your care team; they can open your intake again.
intake-done-next = Your care team will read your intake carefully and get in touch about the next step. There is nothing you need to do now.
intake-done-home = Back to your overview
intake-done-message = Message your care team

## The care team's view
intake-staff-title = Intake of { $name }
intake-staff-duo-title = Intakes of duo { $code }
intake-staff-audited = Every opening of an intake is recorded in the audit trail.
intake-staff-not-joined = The second person has not joined yet.
intake-staff-status-submitted = Submitted
intake-staff-status-draft = Not submitted (or reopened for a change)
intake-staff-version-label = version
intake-staff-form-label = form
intake-staff-none = Nothing has been submitted yet.
intake-staff-scores = Scores
intake-staff-no-scores = No complete questionnaire to score.
intake-staff-instrument = Questionnaire
intake-staff-total = Total
intake-staff-band = Severity
intake-staff-flags = Flags
intake-staff-screen-positive = { $label } (cut-off used: { $cutoff })
intake-staff-screen-negative = Screen negative
intake-staff-medications = Medicines
intake-staff-dose = Dose
intake-staff-substances = Recreational substances
intake-staff-versions = Versions
intake-staff-version = Version { $version }, submitted { $at }
intake-staff-version-amended = Version { $version }, amended { $at }
intake-staff-answers = All answers
intake-staff-one = This intake on its own
intake-staff-both = Both intakes side by side
intake-staff-duo-link = Back to the duo

## The neutral page behind "leave quickly"
leave-title = Weather
leave-today = Today: mostly cloudy with sunny spells, 17 °C, a light westerly wind.
leave-morning = Morning: cloudy, 13 °C
leave-afternoon = Afternoon: sunny spells, 17 °C
leave-evening = Evening: a chance of a light shower, 14 °C
leave-tomorrow = Tomorrow: dry and brighter, up to 19 °C.
