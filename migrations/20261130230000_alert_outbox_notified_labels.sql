-- The labels of a group's last Slack message. Whether a new raise is worth an update is judged
-- against what the channel was last told, not against the previous raise: a value flapping
-- around a step crossed it again at every other raise and posted an update each time.
alter table alert_outbox add column if not exists notified_labels jsonb;
