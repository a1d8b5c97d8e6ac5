-- Each touch's share of each influenced revenue line under each attribution model (METRICS.md
-- sections 3 and 10). Touches in the window are ordered by time, then touch id (touch_position);
-- one line's shares under one model sum to 1. Where the sourcing partner is credited without a
-- touch (`sourced`, `program` of a sourced line, every model of a sourced line with no touch in its
-- window) the row's touch is the sourcing event. Rows with no share are left out.
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
        touch_id,
        touch_kind,
        touched_at,
        cast(
            row_number() over (partition by line_id order by touched_at, touch_id) as bigint
        ) as touch_position,
        count(*) over (partition by line_id) as touch_count,
        -- the exponent divided as a double: Spark would keep a decimal cut to 6 places
        power(
            2.0, -{{ ratio(days_between('touched_date', 'window_end_date'), half_life) }}
        ) as decay_weight
    from touches
),

touch_shares as (
    select
        line_id,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        touch_position,
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

touch_model_shares as (
    {%- for model in touch_models %}
        select
            line_id,
            partner_id,
            touch_id,
            touch_kind,
            touched_at,
            touch_position,
            '{{ model }}' as model,
            {{ model }} as share
        from touch_shares
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- The event that sourced each sourced line, with its window position when it is one of the
-- line's window touches.
sourcing_events as (
    select
        lines.line_id,
        lines.sourcing_partner_id as partner_id,
        lines.source_event_id as touch_id,
        lines.source_rule as touch_kind,
        lines.source_event_at as touched_at,
        ordered_touches.touch_position,
        lines.line_id in (select touches.line_id from touches) as has_window_touch
    from lines
    left join ordered_touches
        on
            lines.line_id = ordered_touches.line_id
            and lines.source_event_id = ordered_touches.touch_id
            and lines.source_rule = ordered_touches.touch_kind
    where lines.sourcing_partner_id is not null
),

-- A sourced line with no touch in its window gives share 1 to its sourcing event under every
-- touch model.
untouched_sourced_shares as (
    {%- for model in touch_models %}
        select
            line_id,
            partner_id,
            touch_id,
            touch_kind,
            touched_at,
            touch_position,
            '{{ model }}' as model,
            1.0 as share
        from sourcing_events
        where not has_window_touch
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

sourced_shares as (
    select
        line_id,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        touch_position,
        'sourced' as model,
        1.0 as share
    from sourcing_events
),

per_model as (
    select * from touch_model_shares
    union all
    select * from untouched_sourced_shares
    union all
    select * from sourced_shares
),

-- The program's own credit: the sourcing event when sourced, else the fallback model's split.
program_shares as (
    select
        per_model.line_id,
        per_model.partner_id,
        per_model.touch_id,
        per_model.touch_kind,
        per_model.touched_at,
        per_model.touch_position,
        'program' as model,
        per_model.share
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
    select * from program_shares
),

final as (
    select
        line_id,
        model,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        touch_position,
        share
    from all_models
    where share > 0
)

select * from final
