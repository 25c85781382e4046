from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services, throttling
from accounts.models import ROLE_REGION_LEVEL, Role, User
from kube_portal.forms import add_service_errors
from regions.models import DirectorateArea, Level, Region


class ThrottleMixin:
    """Refuse a login attempt once `accounts.throttling` says to wait; count the failures.

    For any form built on Django's AuthenticationForm (it needs `self.request`).
    """

    throttled_message = _(
        "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, tunggu %(minutes)s menit lalu coba lagi."
    )

    def clean(self):
        attempt = throttling.attempt_for(self.request, self.cleaned_data.get("username", ""))
        # Checked before the password, so a blocked attacker learns nothing from a right guess.
        if throttling.is_blocked(attempt):
            raise ValidationError(
                self.throttled_message, code="throttled", params={"minutes": throttling.wait_minutes()}
            )
        try:
            cleaned_data = super().clean()
        except ValidationError:
            throttling.record_failure(attempt)
            raise
        throttling.record_success(attempt)
        return cleaned_data


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's wording repeats the field label ("nama pengguna Nama pengguna") in Indonesian.
        "invalid_login": _("Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."),
    }


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    """The Django admin's login: without the throttle it would be an open side door."""


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        # Kab/kota names already say "Kabupaten"/"Kota"; provinces do not.
        if region.level == Level.PROVINCE:
            return f"{region.get_kind_display()} {region.name}"
        return region.name


class UserForm(forms.Form):
    """Profile, role and scope of a login, limited to what the manager may assign.

    The choices come from `accounts.services`; the services check them again, so a
    forged POST cannot assign more than the form offers.
    """

    first_name = forms.CharField(label=_("Nama depan"), max_length=150)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Telepon"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Peran"))
    region = RegionChoiceField(label=_("Wilayah"), queryset=None, required=False)
    directorate_area = forms.ModelChoiceField(label=_("Wilayah direktorat"), queryset=None, required=False)

    def __init__(self, *args, manager: User, instance: User | None = None, **kwargs):
        self.manager = manager
        self.instance = instance
        if instance is not None:
            # Explicit initial values (a role picked before saving) win over the stored ones.
            kwargs["initial"] = {
                "first_name": instance.first_name,
                "last_name": instance.last_name,
                "email": instance.email,
                "phone": instance.phone,
                "role": instance.role,
                "region": instance.region_id,
                "directorate_area": instance.directorate_area_id,
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        roles = services.assignable_roles(manager)
        self.fields["role"].choices = [("", "---------")] + [(role.value, role.label) for role in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0].value
        role = self.selected_role()
        regions = services.assignable_regions(manager, role if role in roles else None)
        self.fields["region"].queryset = regions
        if not self.is_bound and not self.initial.get("region"):
            # A kab/kota officer has exactly one region to give: choose it for them.
            first_two = list(regions[:2])
            if len(first_two) == 1:
                self.fields["region"].initial = first_two[0].pk
        self.fields["region"].help_text = self._region_help(role)
        if Role.DIREKTORAT in roles:
            self.fields["directorate_area"].queryset = services.assignable_directorate_areas(manager)
        else:
            del self.fields["directorate_area"]

    def selected_role(self) -> str:
        """The role being chosen: from the submitted data, else the initial value."""
        if self.is_bound:
            return self.data.get(self.add_prefix("role"), "")
        return self.initial.get("role") or self.fields["role"].initial or ""

    @property
    def shows_region(self) -> bool:
        role = self.selected_role()
        return not role or role in ROLE_REGION_LEVEL

    @property
    def shows_directorate_area(self) -> bool:
        role = self.selected_role()
        return "directorate_area" in self.fields and (not role or role == Role.DIREKTORAT)

    def follow_role_changes(self, url: str) -> None:
        """Let the role select reload the region fields for the chosen role (htmx GET to `url`)."""
        self.fields["role"].widget.attrs.update(
            {"hx-get": url, "hx-target": "#scope-fields", "hx-swap": "outerHTML", "hx-trigger": "change"}
        )

    def _region_help(self, role: str) -> str:
        level = ROLE_REGION_LEVEL.get(role)
        if level == Level.PROVINCE:
            return _("Pilih provinsi tempat petugas ini bertugas.")
        if level == Level.KABKOTA:
            return _("Pilih kabupaten/kota tempat pengguna ini bertugas.")
        if role:
            return _("Peran ini tidak memakai wilayah.")
        return _("Provinsi untuk petugas provinsi; kabupaten/kota untuk petugas kabupaten/kota atau pendamping.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": data["phone"],
            "role": data["role"],
            "region": data.get("region"),
            "directorate_area": data.get("directorate_area"),
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, else above the form."""
        add_service_errors(self, error)


class PasswordFieldsMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_owner(self) -> User:
        raise NotImplementedError

    def clean_password2(self):
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise ValidationError(_("Kedua kata sandi tidak sama."), code="password_mismatch")
        if password2:
            # Validated here as well as in the service, so the message sits under the field.
            validate_password(password2, self.password_owner())
        return password2


class UserCreateForm(PasswordFieldsMixin, UserForm):
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Huruf, angka dan @ . + - _ saja, tanpa spasi. Dipakai untuk masuk."),
    )

    field_order = ["username", "first_name", "last_name", "email", "phone", "role", "region", "directorate_area"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("Nama pengguna ini sudah dipakai."), code="unique")
        return username

    def password_owner(self) -> User:
        # Similarity to the username and name is checked against the login being created.
        return User(
            username=self.cleaned_data.get("username", ""),
            first_name=self.cleaned_data.get("first_name", ""),
            last_name=self.cleaned_data.get("last_name", ""),
            email=self.cleaned_data.get("email", ""),
        )


class PasswordResetForm(PasswordFieldsMixin):
    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def password_owner(self) -> User:
        return self.user


# --- API tokens ------------------------------------------------------------------------------------


class DeviceTokenForm(forms.Form):
    """A token for a login the manager manages (a mentor's phone)."""

    name = forms.CharField(label=_("Nama token"), max_length=100, help_text=_('Mis. "HP Rina".'))
    user = forms.ModelChoiceField(label=_("Akun"), queryset=User.objects.none())

    def __init__(self, *args, manager: User, **kwargs):
        super().__init__(*args, prefix="device", **kwargs)
        self.fields["user"].queryset = services.manageable_users(manager).filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.username})"
        )


class IntegrationAccountForm(forms.Form):
    """A login for another system, bound to a role and a region, with its token."""

    name = forms.CharField(label=_("Nama sistem"), max_length=100, help_text=_('Mis. "SIKS-NG Kota Bandung".'))
    role = forms.ChoiceField(label=_("Peran"))
    region = RegionChoiceField(label=_("Wilayah"), queryset=None, required=False)
    directorate_area = forms.ModelChoiceField(label=_("Wilayah direktorat"), queryset=None, required=False)

    def __init__(self, *args, manager: User, **kwargs):
        super().__init__(*args, prefix="integration", **kwargs)
        roles = services.INTEGRATION_ROLES.get(Role.ADMIN if manager.is_superuser else manager.role, ())
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["region"].queryset = (
            Region.objects.visible_to(manager)
            .current()
            .filter(level__in=[Level.PROVINCE, Level.KABKOTA])
            .order_by("code")
        )
        self.fields["directorate_area"].queryset = (
            DirectorateArea.objects.order_by("code") if manager.is_national else DirectorateArea.objects.none()
        )
