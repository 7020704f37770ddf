"""Web pages of the collection site: work queue, participants and orders."""

from django.urls import path

from specimens.views import orders, queue, steps

urlpatterns = [
    path("collect/", queue.work_queue, name="collect"),
    path("collect/participants/", queue.participants, name="participants"),
    path("collect/participants/<str:pid>", queue.participant, name="participant"),
    path("collect/participants/<str:pid>/new-order", orders.new_order, name="order-new"),
    path("collect/orders/<str:code>", orders.order_page, name="order"),
    path("collect/orders/<str:code>/labels", steps.labels, name="order-step-labels"),
    path("collect/orders/<str:code>/collect", steps.collect, name="order-step-collect"),
    path("collect/orders/<str:code>/process", steps.process, name="order-step-process"),
    path("collect/orders/<str:code>/finalize", orders.finalize, name="order-step-finalize"),
    path(
        "collect/orders/<str:code>/<str:action>",
        orders.order_reason_action,
        name="order-action",
    ),
]
