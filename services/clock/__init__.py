"""What happens because time passes: invitation and attendance reminders (`reminders`),
no-show alerts (`no_show`), quiet hours and working windows (`quiet_hours`), the cards they send
(`cards`), and HR's manual reminder from a card (`manual_reminder`)."""
