"""A test plugin implementing a hook no spec defines; none of it may load."""

from rtvi_core.builtins.echo_llm import EchoLLMService
from rtvi_core.plugins import hookimpl


class WidgetLLMService(EchoLLMService):
    PLUGIN_NAME = "widget-llm"


@hookimpl
def rtvi_register_llm(register):
    register(WidgetLLMService)


@hookimpl
def rtvi_register_widgets(register):
    register(object())
