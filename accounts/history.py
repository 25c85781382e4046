"""A login's history (audit.history): profile, role and scope, (de)activation, password changes."""

from django.db.models import Q

from accounts.models import User
from audit.history import History, Stream, history_of


def user_history(user: User) -> History:
    return history_of(user, Stream(User.pgh_event_model, Q(pgh_obj=user.pk)))
