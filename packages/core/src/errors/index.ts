export { GenError, InvalidArgumentError, describeValue } from './gen-error';
