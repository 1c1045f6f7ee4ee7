select * from marts.lifecycle_transitions
