# The journal: entries tagged mine, theirs or ours; private unless shared.

journal-title = Journal
journal-link = Journal
journal-back-home = Back to your home page
journal-back = Back to your journal
journal-back-duo = Back to the duo
journal-intro = A place to put into words what you notice, before and after the session. Everything you write here is private unless you choose to share it. You can share or unshare each entry later.
journal-not-watched = Nobody reads this journal as you write. Entries are not watched in real time, not even the ones you share.
journal-team-note = Participants are told that entries are not watched in real time. If something you read worries you, contact the person directly.

## Prompts

journal-prompts-title = If you are not sure where to start
journal-prompts-intro = You do not have to answer these. Pick one, or write about something else.
journal-prompt-1 = What is still with you today, even if it is small?
journal-prompt-2 = Was there a moment you felt safe, or unsafe? What helped?
journal-prompt-3 = What did you notice about yourself that you had not seen before?
journal-prompt-4 = What did you notice about the other person, and what might that be like for them?
journal-prompt-5 = What do the two of you share that you want to keep looking after?
journal-prompt-6 = Is there one small thing you would like to try this week?

## Writing

journal-write-title = Write an entry
journal-text-label = Your entry
journal-text-hint = Write as much or as little as you like.
journal-tag-legend = Whose is this about?
journal-tag-mine = Mine
journal-tag-mine-hint = What is mine: my own feelings, memories and steps.
journal-tag-theirs = Theirs
journal-tag-theirs-hint = What belongs to the other person: their part, which is not mine to carry.
journal-tag-ours = Ours
journal-tag-ours-hint = What is ours: what we share and build together.
journal-sharing-legend = Who may read this?
journal-sharing-hint = Leave both unticked to keep it to yourself.
journal-share-partner = Share with { $name }
journal-share-team = Share with my care team
journal-your-partner = your partner
journal-write-submit = Save entry

## Saved messages

journal-saved-written = Your entry is saved.
journal-saved-shared = Who may read this entry is updated. This took effect straight away.
journal-saved-edited = Your changes are saved.

## Errors

journal-error-text = Write something in the entry before saving.
journal-error-tag = Choose whether this is mine, theirs or ours.
journal-error-filter = That filter does not exist, so all entries are shown.

## Your entries

journal-entries-title = Your entries
journal-filter-legend = Show
journal-filter-all = All entries
journal-filter-submit = Show entries
journal-empty = You have not written anything yet.
journal-empty-filtered = No entries with this tag.
journal-edited = edited
journal-shared-nobody = Private: only you can read this.
journal-shared-partner = Shared with { $name }.
journal-shared-team = Shared with your care team.
journal-shared-both = Shared with { $name } and your care team.
journal-sharing-submit = Save who may read this
journal-edit-summary = Change the text
journal-edit-label = Text of this entry
journal-edit-submit = Save changes
journal-entry-title = Journal entry

## Shared with me

journal-shared-title = Shared journal entries
journal-shared-intro-partner = What your partner chose to share with you from their journal.
journal-shared-intro-team = What the participants chose to share with the care team from their journals.
journal-shared-empty = Nothing has been shared yet.
journal-from-partner = What { $name } shared with you
journal-open-own = Your own journal
