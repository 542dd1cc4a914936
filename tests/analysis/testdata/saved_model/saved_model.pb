placeholder: analysis tests never run the conversion
