"""The partner program dashboard (Streamlit): `make dashboard` or `partner dashboard`."""
