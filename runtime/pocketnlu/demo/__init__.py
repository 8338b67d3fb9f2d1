"""`pocketnlu demo`: typed or spoken in-car commands drive a simulated car.

The demo is an application of the runtime, not part of it: nothing in pocketnlu imports this
package except the `demo` command, when it runs. `car` simulates the car, `asr` wraps the speech
recognizer (PocketSphinx, the `voice` extra) with its language model in `models/`, `session`
runs commands through the NLU model and the car.
"""
from .session import run_demo

__all__ = ["run_demo"]
