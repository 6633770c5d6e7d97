"""Audio input devices on the machine that captures: microphones, mic arrays, Bluetooth headsets."""

from audio_inputs.listing import InputDevice, list_input_devices

__all__ = ["InputDevice", "list_input_devices"]
