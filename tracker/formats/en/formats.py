# English as the UN writes it: "3 June 2008", not Django's American "June 3, 2008".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
