-- Share (`credit`) of each partner in each influenced revenue line under each attribution model
-- (METRICS.md section 3). Touches in the window are ordered by time, then touch id; a partner's
-- credit is the sum of its touches' credits; credits of one line under one model sum to 1.
{%- set first_weight = var('position_based_first_weight') %}
{%- set last_weight = var('position_based_last_weight') %}
{%- set half_life = var('time_decay_half_life_days') %}
{%- set touch_models = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay'] %}

with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

touches as (
    select * from {{ ref('int_line_touches') }}
),

ordered_touches as (
    select
        line_id,
        partner_id,
        row_number() over (partition by line_id order by touched_at, touch_id) as touch_position,
        count(*) over (partition by line_id) as touch_count,
        power(
            2.0, -1.0 * {{ days_between('touched_date', 'window_end_date') }} / {{ half_life }}
        ) as decay_weight
    from touches
),

touch_credits as (
    select
        line_id,
        partner_id,
        case when touch_position = 1 then 1.0 else 0.0 end as first_touch,
        case when touch_position = touch_count then 1.0 else 0.0 end as last_touch,
        1.0 / touch_count as linear,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_position = 1 then {{ first_weight }}
            when touch_position = touch_count then {{ last_weight }}
            else (1.0 - {{ first_weight }} - {{ last_weight }}) / (touch_count - 2)
        end as position_based,
        decay_weight / sum(decay_weight) over (partition by line_id) as time_decay
    from ordered_touches
),

touch_model_credits as (
    {%- for model in touch_models %}
        select
            line_id,
            partner_id,
            '{{ model }}' as model,
            {{ model }} as credit
        from touch_credits
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- A sourced line with no touch in its window gives credit 1 to its sourcing partner under every
-- touch model.
untouched_sourced_credits as (
    {%- for model in touch_models %}
        select
            lines.line_id,
            lines.sourcing_partner_id as partner_id,
            '{{ model }}' as model,
            1.0 as credit
        from lines
        left join (select distinct line_id from touches) as touched
            on lines.line_id = touched.line_id
        where lines.sourcing_partner_id is not null and touched.line_id is null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

sourced_credits as (
    select
        line_id,
        sourcing_partner_id as partner_id,
        'sourced' as model,
        1.0 as credit
    from lines
    where sourcing_partner_id is not null
),

per_model as (
    select * from touch_model_credits
    union all
    select * from untouched_sourced_credits
    union all
    select * from sourced_credits
),

-- The program's own credit: the sourcing partner when sourced, else the fallback model's split.
program_credits as (
    select
        per_model.line_id,
        per_model.partner_id,
        'program' as model,
        per_model.credit
    from per_model
    inner join lines on per_model.line_id = lines.line_id
    where
        (lines.sourcing_partner_id is not null and per_model.model = 'sourced')
        or (
            lines.sourcing_partner_id is null
            and per_model.model = '{{ var("program_fallback_model") }}'
        )
),

all_models as (
    select * from per_model
    union all
    select * from program_credits
),

final as (
    select
        line_id,
        partner_id,
        model,
        sum(credit) as credit
    from all_models
    group by line_id, partner_id, model
    having sum(credit) > 0
)

select * from final
