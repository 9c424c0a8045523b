# Django's Arabic locale has a date but no date-and-time format (it falls back to English's).
DATETIME_FORMAT = "j F Y، H:i"
