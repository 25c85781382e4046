"""What the KUBE workflows announce, for the layers above to act on (groups never imports them).

Sent inside the service's transaction, after its writes: a receiver's writes commit or roll back
with them. `graduation` subscribes in its AppConfig.ready() and recomputes the readiness of the
households concerned at once (DESIGN.md section 4: never "tomorrow").
"""

from django.dispatch import Signal

#: Memberships of these households changed (joined, left, replaced) or their KUBE changed status.
#: Keyword argument: household_ids (a list of Household ids).
memberships_changed = Signal()

#: A KUBE's maturity was classified again (a business report was saved or the officer asked).
#: Keyword arguments: kube (the Kube), level_changed (bool).
kube_maturity_changed = Signal()
