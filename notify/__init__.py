"""Who is told what: the messages the bot sends on its own, queued in the outbox. Used by the
handlers, the time-driven jobs and the command line alike; the texts come from views/."""
