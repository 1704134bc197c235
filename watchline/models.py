from django.db import models


class SecurityPolicy(models.Model):
    """The city admin's security settings: one row, edited in the admin."""

    require_two_factor = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text=(
            "Operators, supervisors and city admins must confirm each login with a code from an "
            "authenticator app; those without one set it up at their next page."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "security policy"
        verbose_name_plural = "security policy"

    def __str__(self):
        return "Security policy"

    def save(self, *args, **kwargs):
        self.pk = 1  # one row only
        super().save(*args, **kwargs)

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]
