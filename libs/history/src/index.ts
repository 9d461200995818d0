export {
  BOOTSTRAP_ACTOR,
  BROKER_ACTOR,
  CHANGE_RESOURCES,
  type AdminChange,
  type AdminChangeView,
  type ChangeAction,
  type ChangeFilters,
  type ChangePage,
  type ChangeResource,
} from './admin-change';
export { ChangeLog } from './change-log';
export { ChangeQuery } from './change-query';
export { HistoryQueryError, type HistoryQueryErrorCode } from './history.error';
