"""Everything time-driven: deadlines, reminders, escalations, meetings.

Jobs are computed from the database, never held only in memory, so that a restart
neither loses nor repeats them.
"""
