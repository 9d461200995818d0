/** The raw text of an `application/x-www-form-urlencoded` body, kept unparsed so duplicates can be refused. */
export class FormBody {
  constructor(readonly text: string) {}
}
