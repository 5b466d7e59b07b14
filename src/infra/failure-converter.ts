// Failures as Temporal stores them: their message and stack trace are encoded as a payload, so the payload
// codec encrypts them with the rest (an error may quote what a chat said). The SDK loads this file by path
// (dataConverter.failureConverterPath), in the workflow bundle too: it imports nothing but the SDK.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
