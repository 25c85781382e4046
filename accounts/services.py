"""User management: who may manage whom, and the workflows that write logins.

The rule, in one place:
- an administrator manages every login;
- a provincial Dinas Sosial officer manages the kab/kota officers and mentors of its province;
- a kab/kota Dinas Sosial officer manages the mentor logins of its kabupaten/kota.
Everything else (direktorat users, mentors) manages nobody. Nobody manages their own
login here: that would let a manager lock themselves out or raise their own role.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts import throttling
from accounts.models import ROLE_REGION_LEVEL, Role, User
from kube_portal.integrity import unique_errors
from regions.models import DirectorateArea, Region

# Manager role -> the roles of the logins it may create and edit.
MANAGED_ROLES: dict[str, tuple[Role, ...]] = {
    Role.ADMIN: tuple(Role),
    Role.DINSOS_PROVINSI: (Role.DINSOS_KABKOTA, Role.PENDAMPING),
    Role.DINSOS_KABKOTA: (Role.PENDAMPING,),
}


def _effective_role(user: User) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.is_active and bool(assignable_roles(user))


def assignable_roles(manager: User) -> tuple[Role, ...]:
    return MANAGED_ROLES.get(_effective_role(manager), ())


def manageable_users(manager: User) -> QuerySet[User]:
    """The logins `manager` may open, edit, (de)activate and reset: scope first, then role."""
    return User.objects.visible_to(manager).filter(role__in=assignable_roles(manager)).exclude(pk=manager.pk)


def assignable_regions(manager: User, role: str | None = None) -> QuerySet[Region]:
    """Regions `manager` may give a login: inside its scope, at the level the role needs.

    Without a role, the regions for any role the manager assigns (provinces and kab/kota,
    never kecamatan or villages: no role is anchored there).
    """
    roles = [role] if role else assignable_roles(manager)
    levels = {ROLE_REGION_LEVEL[r] for r in roles if r in ROLE_REGION_LEVEL}
    return Region.objects.visible_to(manager).current().filter(level__in=levels).order_by("level", "code")


def assignable_directorate_areas(manager: User) -> QuerySet[DirectorateArea]:
    if Role.DIREKTORAT not in assignable_roles(manager):
        return DirectorateArea.objects.none()
    return DirectorateArea.objects.order_by("code")


def _check_assignment(*, manager: User, role: str, region: Region | None, directorate_area: DirectorateArea | None):
    """Refuse a role or region that is not the manager's to give; the level is checked by User.clean."""
    if role not in assignable_roles(manager):
        raise ValidationError({"role": _("Anda tidak berwenang memberikan peran ini.")})
    if region is not None and not assignable_regions(manager).filter(pk=region.pk).exists():
        raise ValidationError({"region": _("Wilayah ini berada di luar wilayah kerja Anda.")})
    if (
        directorate_area is not None
        and not assignable_directorate_areas(manager).filter(pk=directorate_area.pk).exists()
    ):
        raise ValidationError({"directorate_area": _("Anda tidak berwenang memberikan wilayah direktorat.")})


def _check_manages(manager: User, user: User) -> None:
    if not manageable_users(manager).filter(pk=user.pk).exists():
        raise PermissionDenied(_("Anda tidak berwenang mengelola pengguna ini."))


def _normalise_anchor(user: User) -> None:
    """A login keeps only the anchor its role uses, so a role change leaves no stale scope."""
    if user.role != Role.DIREKTORAT:
        user.directorate_area = None
    if user.role not in ROLE_REGION_LEVEL:
        user.region = None


@transaction.atomic
def user_create(
    *,
    manager: User,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    region: Region | None = None,
    directorate_area: DirectorateArea | None = None,
) -> User:
    _check_assignment(manager=manager, role=role, region=region, directorate_area=directorate_area)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        role=role,
        region=region,
        directorate_area=directorate_area,
        # Django admin access follows the administrator role; nobody else gets it here.
        is_staff=role == Role.ADMIN,
    )
    _normalise_anchor(user)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    # full_clean checked the username is free; a concurrent creation may have taken it since.
    with unique_errors(User, username=lambda: {"username": _("Nama pengguna ini sudah dipakai.")}):
        user.save()
    return user


@transaction.atomic
def user_update(
    *,
    manager: User,
    user: User,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    region: Region | None = None,
    directorate_area: DirectorateArea | None = None,
) -> User:
    _check_manages(manager, user)
    _check_assignment(manager=manager, role=role, region=region, directorate_area=directorate_area)
    User.objects.select_for_update().filter(pk=user.pk).exists()  # one manager's edit at a time
    user.first_name, user.last_name, user.email, user.phone = first_name, last_name, email, phone
    user.role, user.region, user.directorate_area = role, region, directorate_area
    # A login's powers follow its role: leaving the administrator role ends Django admin access.
    user.is_staff = role == Role.ADMIN
    user.is_superuser = user.is_superuser and role == Role.ADMIN
    _normalise_anchor(user)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_deactivate(*, manager: User, user: User) -> User:
    """Close a login without deleting it: its records keep pointing at who entered them."""
    _check_manages(manager, user)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_reactivate(*, manager: User, user: User) -> User:
    _check_manages(manager, user)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_password_reset(*, manager: User, user: User, password: str) -> User:
    """Set a new password chosen by the manager, who passes it on to the user."""
    _check_manages(manager, user)
    validate_password(password, user)
    user.set_password(password)
    # The trail records the change as a fact, without the hash (accounts.models.PASSWORD_CHANGED).
    user.save(update_fields=["password"])
    # Usually reset after the owner locked themselves out: let them try the new one now.
    transaction.on_commit(lambda: throttling.forget_username(user.username))
    return user
