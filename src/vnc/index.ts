export * from './protocol/constants';
