"""Tasks run by the worker (`mindwell worker`, or the one `mindwell serve` starts)."""

from django.tasks import task

from mindwell.notify import sending


@task
def send_delivery(delivery_id: int) -> str:
    return sending.send(delivery_id)
