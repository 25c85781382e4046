"""Which role moves a KUBE along its lifecycle, and what waits for whom.

Roles decide *whether* a user may take a step; the user's scope (`visible_to`) decides
*which* KUBE they may take it on. National administrators may take every step.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from groups.models import Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    #: The role allowed per source status (a return is made by whoever reviews at that step).
    roles: dict
    comment_required: bool = False
    button: str = "primary"


def _same_role(sources, role):
    return dict.fromkeys(sources, role)


TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "usulkan",
            _("Usulkan"),
            (Status.DRAFT, Status.DIKEMBALIKAN),
            Status.DIUSULKAN,
            _same_role((Status.DRAFT, Status.DIKEMBALIKAN), Role.DINSOS_KABKOTA),
        ),
        Transition(
            "rekomendasikan",
            _("Rekomendasikan"),
            (Status.DIUSULKAN,),
            Status.DIREKOMENDASIKAN,
            {Status.DIUSULKAN: Role.DINSOS_PROVINSI},
            button="success",
        ),
        Transition(
            "tetapkan",
            _("Tetapkan"),
            (Status.DIREKOMENDASIKAN,),
            Status.DITETAPKAN,
            {Status.DIREKOMENDASIKAN: Role.DIREKTORAT},
            button="success",
        ),
        Transition(
            "kembalikan",
            _("Kembalikan"),
            (Status.DIUSULKAN, Status.DIREKOMENDASIKAN),
            Status.DIKEMBALIKAN,
            {Status.DIUSULKAN: Role.DINSOS_PROVINSI, Status.DIREKOMENDASIKAN: Role.DIREKTORAT},
            comment_required=True,
            button="warning",
        ),
        Transition(
            "jadikan-draf",
            _("Jadikan draf"),
            (Status.DIKEMBALIKAN,),
            Status.DRAFT,
            {Status.DIKEMBALIKAN: Role.DINSOS_KABKOTA},
            button="secondary",
        ),
        Transition(
            "nonaktifkan",
            _("Nonaktifkan"),
            (Status.AKTIF,),
            Status.NONAKTIF,
            {Status.AKTIF: Role.DINSOS_KABKOTA},
            comment_required=True,
            button="warning",
        ),
        Transition(
            "aktifkan-kembali",
            _("Aktifkan kembali"),
            (Status.NONAKTIF,),
            Status.AKTIF,
            {Status.NONAKTIF: Role.DINSOS_KABKOTA},
        ),
        Transition(
            "bubarkan",
            _("Bubarkan"),
            (Status.AKTIF, Status.NONAKTIF),
            Status.BUBAR,
            _same_role((Status.AKTIF, Status.NONAKTIF), Role.DINSOS_KABKOTA),
            comment_required=True,
            button="danger",
        ),
    ]
}


def can_take_transition(user, transition: Transition, status: str) -> bool:
    if status not in transition.sources:
        return False
    return user.is_national or transition.roles.get(status) == user.role


def available_transitions(user, kube) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if can_take_transition(user, t, kube.status)]


#: What waits for each role: the review step it owns, or for the district office the
#: returned proposals to fix and the approved groups waiting for their grant.
AWAITING = {
    Role.DINSOS_KABKOTA: (Status.DIKEMBALIKAN, Status.DITETAPKAN),
    Role.DINSOS_PROVINSI: (Status.DIUSULKAN,),
    Role.DIREKTORAT: (Status.DIREKOMENDASIKAN,),
    Role.ADMIN: (Status.DIUSULKAN, Status.DIREKOMENDASIKAN),
}


def statuses_awaiting(user) -> tuple[str, ...]:
    role = Role.ADMIN if user.is_national else user.role
    return AWAITING.get(role, ())


def can_edit_kube(user) -> bool:
    """KUBE data, members and grants are kept by the district office (and administrators)."""
    return user.enters_data


def can_report_business(user) -> bool:
    """Monthly business reports come from the mentor or the district office."""
    return user.enters_data or user.is_mentor
