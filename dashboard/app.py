"""The dashboard's entry point: `streamlit run dashboard/app.py` (`make dashboard`)."""

import streamlit as st

from dashboard.views import attribution, health, mdf, partner_types, partners, program, worklist

st.set_page_config(page_title="Partner program", layout="wide")
st.navigation(
    [
        st.Page(program.render, title="Program", url_path="program", default=True),
        st.Page(partners.render, title="Partners", url_path="partners"),
        st.Page(partner_types.render, title="Partner types", url_path="partner_types"),
        st.Page(attribution.render, title="Attribution", url_path="attribution"),
        st.Page(mdf.render, title="MDF", url_path="mdf"),
        st.Page(worklist.render, title="Worklist", url_path="worklist"),
        st.Page(health.render, title="Data health", url_path="data_health"),
    ]
).run()
