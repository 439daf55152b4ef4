// Renders a form schema with react-jsonschema-form (@rjsf/core and its ajv8 validator), the way
// a developer embedding riskrules in a form would; the browser test counts what it rendered.
import React from "react";
import { createRoot } from "react-dom/client";
import Form from "@rjsf/core";
import validator from "@rjsf/validator-ajv8";

window.renderForm = function (bundle, formData) {
  const root = createRoot(document.getElementById("app"));
  const onChange = (e) => { window.rjsfData = e.formData; };
  root.render(
    <Form schema={bundle.schema} uiSchema={bundle.uiSchema} formData={formData} validator={validator}
          onChange={onChange} liveValidate={false} noHtml5Validate />
  );
};
