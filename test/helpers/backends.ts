export const BACKENDS = ['sqlite', 'postgres'] as const;
