/** The Nest injection token of the {@link BrokerRuntime}. */
export const BROKER_RUNTIME = Symbol('BrokerRuntime');
