"""Access that ends outside a service (logout, an account made inactive or taken out of a
role, in the admin or anywhere else) tells that user's open sockets to re-check it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from watchline import live

User = get_user_model()


@receiver(user_logged_out)
def close_the_sessions_sockets(sender, request, user, **kwargs):
    if user is not None and request is not None:
        live.access_changed(live.user_group(user.pk), ended_session=request.session.session_key)


@receiver(post_save, sender=User)
def recheck_after_deactivation(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        live.access_changed(live.user_group(instance.pk))


@receiver(m2m_changed, sender=User.groups.through)
def recheck_after_leaving_a_group(sender, instance, action, reverse, pk_set, **kwargs):
    """`user.groups.remove(...)`/`.clear()` and `group.user_set.remove(...)`/`.clear()`."""
    if action == "post_remove":
        user_ids = pk_set if isinstance(instance, Group) else [instance.pk]
    elif action == "pre_clear":
        user_ids = (
            list(instance.user_set.values_list("pk", flat=True))
            if isinstance(instance, Group)
            else [instance.pk]
        )
    else:
        return
    live.access_changed([live.user_group(pk) for pk in user_ids])
