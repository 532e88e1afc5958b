-- fct_view_rebuffer_attribution has exactly the views of fct_views, with the same rebuffering.

select
    coalesce(views.view_id, attribution.view_id) as view_id
from {{ ref('fct_views') }} as views
full outer join {{ ref('fct_view_rebuffer_attribution') }} as attribution
    on views.view_id = attribution.view_id
where views.view_id is null
    or attribution.view_id is null
    or views.rebuffer_duration_ms != attribution.rebuffer_duration_ms
