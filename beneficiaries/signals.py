"""What the KPM register workflows announce, for the layers above to act on (beneficiaries never imports them).

Sent inside the service's transaction, after its writes: a receiver's writes commit or roll back
with them. `graduation` subscribes in its AppConfig.ready() and recomputes the readiness of the
households at once (DESIGN.md section 4: never "tomorrow").
"""

from django.dispatch import Signal

#: These households or their members were created, edited or removed (forms, bulk updates, merges,
#: imports). Keyword argument: household_ids (a list of Household ids).
households_changed = Signal()
