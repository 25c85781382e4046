import factory

from accounts.models import Role, User

PASSWORD = "rahasia-uji-123"
# A password the validators accept, for logins created through the services and pages.
NEW_PASSWORD = "Kube-Lapangan-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    last_name = factory.Faker("last_name", locale="id_ID")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.go.id")
    role = Role.DINSOS_KABKOTA
    password = factory.django.Password(PASSWORD)


class MentorFactory(UserFactory):
    """A mentor login; pass `region` (a kabupaten/kota)."""

    username = factory.Sequence(lambda n: f"pendamping{n}")
    role = Role.PENDAMPING
