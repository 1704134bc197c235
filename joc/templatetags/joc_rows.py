from django import template

from joc import rows

register = template.Library()
register.filter("age", rows.age)
