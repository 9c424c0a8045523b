# English as the UN writes it: "3 June 2008", not Django's American "June 3, 2008".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
# The admin's date hierarchy names days "3 June", as the dates above do (Django's is "June 3").
MONTH_DAY_FORMAT = "j F"
