"""User management: who may manage whom, and the workflows that write logins.

The rule, in one place:
- an administrator manages every login;
- a provincial Dinas Sosial officer manages the kab/kota officers and mentors of its province;
- a kab/kota Dinas Sosial officer manages the mentor logins of its kabupaten/kota.
Everything else (direktorat users, mentors) manages nobody. Nobody manages their own
login here: that would let a manager lock themselves out or raise their own role.
"""

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import throttling
from accounts.models import ROLE_REGION_LEVEL, ApiToken, ApiTokenKind, Role, User
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
    visible: QuerySet[User] = User.objects.visible_to(manager)  # the manager made from UserQuerySet reads as Any
    return visible.filter(role__in=assignable_roles(manager)).exclude(pk=manager.pk)


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


def _check_assignment(
    *, manager: User, role: str, region: Region | None, directorate_area: DirectorateArea | None
) -> None:
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


# --- API tokens ----------------------------------------------------------------------------------
#
# Devices (a mentor's phone) and other systems call the API with a token. Who issues them:
# administrators for anyone, a kab/kota head for the logins it manages (its mentors) and for
# integration accounts of its own district. A token acts as its login, in that login's scope.

TOKEN_PREFIX = "kube_"  # noqa: S105 - the marker every token starts with, not a secret
#: Roles an integration account may take, per issuer role: never more than the issuer's own reach.
INTEGRATION_ROLES: dict[str, tuple[Role, ...]] = {
    Role.ADMIN: (Role.ADMIN, Role.DIREKTORAT, Role.DINSOS_PROVINSI, Role.DINSOS_KABKOTA),
    Role.DINSOS_KABKOTA: (Role.DINSOS_KABKOTA,),
}
#: `last_used_at` is written at most this often per token: not one write per request.
LAST_USED_RESOLUTION_SECONDS = 60


def can_issue_tokens(user: User) -> bool:
    return user.is_authenticated and user.is_active and _effective_role(user) in INTEGRATION_ROLES


def token_hash(secret: str) -> str:
    # Tokens are 256 random bits: a plain SHA-256 is enough (no salt or slow hash needed against guessing).
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """The tokens a manager lists and revokes: those of the logins in its scope that it manages, and its own issues."""
    if not can_issue_tokens(user):
        return ApiToken.objects.none()
    if user.is_national:
        return ApiToken.objects.all()
    in_scope = User.objects.visible_to(user)
    return ApiToken.objects.filter(user__in=in_scope).filter(Q(created_by=user) | Q(user__in=manageable_users(user)))


def _issue(*, manager: User, user: User, name: str, kind: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Nama token wajib diisi.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name[:100],
        kind=kind,
        user=user,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=token_hash(secret),
        created_by=manager,
    )
    return token, secret


@transaction.atomic
def api_token_issue(*, manager: User, user: User, name: str) -> tuple[ApiToken, str]:
    """A device token for a login the manager manages; returns the token and its secret (shown once)."""
    if not can_issue_tokens(manager):
        raise PermissionDenied(_("Peran Anda tidak dapat membuat token API."))
    _check_manages(manager, user)
    return _issue(manager=manager, user=user, name=name, kind=ApiTokenKind.DEVICE)


@transaction.atomic
def integration_account_create(
    *,
    manager: User,
    name: str,
    role: str,
    region: Region | None = None,
    directorate_area: DirectorateArea | None = None,
) -> tuple[ApiToken, str]:
    """A login for another system, bound to a role and a region, with its token (secret shown once)."""
    if not can_issue_tokens(manager):
        raise PermissionDenied(_("Peran Anda tidak dapat membuat akun integrasi."))
    if role not in INTEGRATION_ROLES[_effective_role(manager)]:
        raise ValidationError({"role": _("Anda tidak berwenang memberikan peran ini.")})
    if region is not None and not Region.objects.visible_to(manager).filter(pk=region.pk).exists():
        raise ValidationError({"region": _("Wilayah ini berada di luar wilayah kerja Anda.")})
    account = User(
        username=f"api-{secrets.token_hex(6)}",
        first_name=name.strip()[:150],
        role=role,
        region=region,
        directorate_area=directorate_area,
    )
    _normalise_anchor(account)
    account.set_unusable_password()  # it signs in with its token only
    account.full_clean()
    account.save()
    return _issue(manager=manager, user=account, name=name, kind=ApiTokenKind.INTEGRATION)


@transaction.atomic
def api_token_revoke(*, manager: User, token: ApiToken) -> ApiToken:
    token = tokens_visible_to(manager).select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), manager
        token.save(update_fields=["revoked_at", "revoked_by"])
        if token.kind == ApiTokenKind.INTEGRATION and not token.user.api_tokens.usable().exists():
            # The account exists only for its token: nothing may act as it any more.
            User.objects.filter(pk=token.user_id).update(is_active=False)
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret (its login loaded), noting when it was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(key_hash=token_hash(secret)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
