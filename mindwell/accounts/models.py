from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class Level(models.IntegerChoices):
    """Question2Answer's user levels, with its numbers, so that comparisons read naturally."""

    BASIC = 0, "basic"
    APPROVED = 10, "approved"
    EXPERT = 20, "expert"
    EDITOR = 50, "editor"
    MODERATOR = 80, "moderator"
    ADMIN = 100, "admin"
    SUPER = 120, "super admin"


class WarningPreference(models.TextChoices):
    """How a member wants posts with content warnings shown."""

    COLLAPSE = "collapse", "collapse them until I choose to show them"
    SHOW = "show", "always show them"
    HIDE = "hide", "hide them from lists"


class UserManager(BaseUserManager["User"]):
    def create_user(
        self, display_name: str, email: str, password: str | None = None, **fields: object
    ) -> "User":
        fields.setdefault("points", settings.MINDWELL_POINTS["base"])
        user = self.model(display_name=display_name, email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, display_name: str, email: str, password: str | None = None, **fields: object
    ) -> "User":
        fields.setdefault("level", Level.SUPER)
        return self.create_user(display_name, email, password, **fields)

    def get_by_natural_key(self, display_name: str | None) -> "User":
        return self.get(display_name__iexact=display_name)


class User(AbstractBaseUser):
    """A registered member. The display name is public; the email never is."""

    display_name = models.CharField(max_length=40)
    email = models.EmailField(max_length=254)
    bio = models.TextField(blank=True, max_length=2000)
    points = models.IntegerField(default=0)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.BASIC)
    date_joined = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    # ISO 3166 alpha-2, chosen by the member; picks the helplines they are shown.
    country = models.CharField(max_length=2, blank=True)
    # Notification emails go only to a confirmed address.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    content_warnings = models.CharField(
        max_length=10, choices=WarningPreference.choices, default=WarningPreference.COLLAPSE
    )
    # Suspended or blocked members can read but not post, vote or flag.
    suspended_until = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "display_name"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="user_display_name_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["-points"], name="user_points_idx")]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("user_profile", args=[self.pk])

    @property
    def is_moderator(self) -> bool:
        return self.level >= Level.MODERATOR


class PointsEntry(models.Model):
    """One change to a member's points, written in the transaction that caused it.

    The ledger is the points history page. A member's points always equal
    base + the sum of their entries; `mindwell recount` recomputes points from
    the facts and, where they differ, writes a correcting entry so that stays true.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="points_entries")
    delta = models.IntegerField()
    reason = models.CharField(max_length=40)
    post = models.ForeignKey(
        "qa.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="points_entry_user_idx")]

    def __str__(self) -> str:
        return f"{self.delta:+d} for {self.reason}"


class CategoryLevel(models.Model):
    """A level given to a member for one category (and its children) only, as in Question2Answer."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="category_levels")
    category = models.ForeignKey("qa.Category", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="category_level_unique")
        ]

    def __str__(self) -> str:
        return f"{Level(self.level).label} in category {self.category_id}"


class MemberSession(models.Model):
    """One browser a member is logged in on, for their sessions page and "log out everywhere".

    Django's session table cannot be searched by member, so login writes this row
    beside the session. Only a summary is kept: the browser and the network with
    its last part hidden, never the full address or user-agent string.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="member_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    browser = models.CharField(max_length=60, blank=True)  # "Firefox on Linux"
    network = models.CharField(max_length=60, blank=True)  # "203.0.113.x"

    def __str__(self) -> str:
        return f"{self.browser or 'session'} of user {self.user_id}"
