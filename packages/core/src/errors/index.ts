export { GenError, InvalidArgumentError, describeValue } from './gen-error';
export {
  checkBoolean,
  checkNonNegativeInteger,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
} from './argument-checks';
