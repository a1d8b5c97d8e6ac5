# %% [markdown]
# # Partner program overview
#
# A starting point for analysts: it reads the published warehouse **read-only** (so it never
# blocks the nightly run) and only the `marts` schema, the public interface. Its connection
# (`connect_marts`, the one every reader uses) reaches no file but the warehouse. Open it as a
# notebook in VS Code or Jupyter (the `# %%` cells), or run it whole:
# `uv run python notebooks/program_overview.py`.
# It uses `PARTNER_WAREHOUSE` (default `data/warehouse.duckdb`); run `make run` first.

# %%
from dagster_project.readers import connect_marts
from dagster_project.settings import Settings

con = connect_marts(Settings.from_env())

# %% [markdown]
# ## Headline KPIs, last 12 months (one row a month from the daily series)

# %%
print(
    con.sql(
        """
        select as_of_date, total_revenue_usd, sourced_share, influenced_share,
               activation_rate, median_days_to_first_deal, partner_nps
        from marts.program_kpis
        where
            as_of_date = last_day(as_of_date)
            or as_of_date = (select max(as_of_date) from marts.program_kpis)
        order by as_of_date
        """
    )
)

# %% [markdown]
# ## Partners by tier: how many, how active, what they bring

# %%
print(
    con.sql(
        """
        select
            coalesce(tier, '(prospect)') as tier,
            count(*) as partners,
            count(case when is_active then 1 end) as active,
            sum(tier_revenue_usd) as tier_revenue_usd,
            round(sum(tier_revenue_usd) / nullif(count(case when is_active then 1 end), 0), 2)
                as revenue_per_active_partner_usd,
            sum(comarketing_budget_usd) as comarketing_budget_usd
        from marts.dim_partners
        group by all
        order by min(case tier when 'platinum' then 1 when 'gold' then 2 when 'silver' then 3
                               when 'registered' then 4 else 5 end)
        """
    )
)

# %% [markdown]
# ## Who gets the credit? Revenue won in the last year by attribution model

# %%
print(
    con.sql(
        """
        with credited as (
            select model, partner_id, sum(credited_revenue_usd) as credited_revenue_usd
            from marts.fct_partner_attribution
            where is_won and close_date > (select max(as_of_date) from marts.program_kpis) - 365
            group by all
        )
        select * from credited
        qualify row_number() over (partition by model order by credited_revenue_usd desc) <= 3
        order by model, credited_revenue_usd desc
        """
    )
)

# %% [markdown]
# ## What needs attention: anti-pattern flags and MDF without ROI

# %%
print(
    con.sql(
        """
        select flag, count(*) as partners, sum(amount_usd) as at_stake_usd
        from marts.fct_partner_flags group by all order by 2 desc
        """
    )
)
print(
    con.sql(
        """
        select flag_reasons, count(*) as requests, sum(spent_usd) as spent_usd
        from marts.fct_mdf_roi where is_flagged group by all order by 2 desc
        """
    )
)

# %%
con.close()
